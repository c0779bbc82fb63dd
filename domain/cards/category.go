package cards

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// Category is a card category of 002 §1.2.
type Category string

// The four categories.
const (
	Dance    Category = "dance"
	Song     Category = "song"
	Clothing Category = "clothing"
	Game     Category = "game"
)

// AllCategories lists the categories in 002's order.
var AllCategories = []Category{Dance, Song, Clothing, Game}

// ParseCategory accepts a category name (case-insensitive).
func ParseCategory(s string) (Category, bool) {
	c := Category(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range AllCategories {
		if c == k {
			return c, true
		}
	}
	return "", false
}

// Upper is the category as it appears in default batch codes ("DANCE").
func (c Category) Upper() string { return strings.ToUpper(string(c)) }

// Rarity is a template's rarity.
type Rarity string

// The rarities, from the most to the least common.
const (
	Common    Rarity = "common"
	Rare      Rarity = "rare"
	Epic      Rarity = "epic"
	Legendary Rarity = "legendary"
)

// AllRarities lists the rarities.
var AllRarities = []Rarity{Common, Rare, Epic, Legendary}

// ParseRarity accepts a rarity name (case-insensitive).
func ParseRarity(s string) (Rarity, bool) {
	r := Rarity(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range AllRarities {
		if r == k {
			return r, true
		}
	}
	return "", false
}

// attrKind is the JSON type an attribute accepts.
type attrKind uint8

const (
	attrText         attrKind = iota // a string
	attrTextOrNumber                 // "30分钟" or 30
	attrInt                          // a whole number within [min, max]
	attrURL                          // an http(s) URL
	attrEnum                         // one of values
)

type attrSpec struct {
	kind     attrKind
	min, max float64
	values   []string
}

// MaxAttributeText bounds attribute strings (in characters).
const MaxAttributeText = 200

// attributeSpecs are the attribute keys of 002 §6 per category. 002 lists none
// for game; the game list is this module's own (documented in docs and the
// OpenAPI document). No attribute is required; unknown keys are rejected.
var attributeSpecs = map[Category]map[string]attrSpec{
	Dance: {
		"difficulty":    {kind: attrEnum, values: []string{"初级", "中级", "高级"}},
		"duration":      {kind: attrTextOrNumber},
		"style":         {kind: attrText},
		"choreographer": {kind: attrText},
		"music_bpm":     {kind: attrInt, min: 1, max: 1000},
	},
	Song: {
		"genre":      {kind: attrText},
		"difficulty": {kind: attrText},
		"bpm":        {kind: attrInt, min: 1, max: 1000},
		"language":   {kind: attrText},
		"artist":     {kind: attrText},
		"duration":   {kind: attrTextOrNumber},
		"key":        {kind: attrText},
		"audio_file": {kind: attrURL},
	},
	Clothing: {
		"color":    {kind: attrText},
		"size":     {kind: attrText},
		"style":    {kind: attrText},
		"season":   {kind: attrText},
		"material": {kind: attrText},
		"brand":    {kind: attrText},
	},
	Game: {
		"genre":      {kind: attrText},
		"platform":   {kind: attrText},
		"difficulty": {kind: attrText},
		"players":    {kind: attrInt, min: 1, max: 1000},
		"duration":   {kind: attrTextOrNumber},
		"developer":  {kind: attrText},
		"age_rating": {kind: attrText},
	},
}

// AttributeKeys lists the accepted attribute keys of a category, sorted.
func AttributeKeys(c Category) []string {
	specs := attributeSpecs[c]
	out := make([]string, 0, len(specs))
	for k := range specs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ValidateAttributes checks attrs against the category's keys and types and
// returns a normalised copy (strings trimmed, whole numbers as int64). Errors
// name the field as "attributes.<key>".
func ValidateAttributes(c Category, attrs map[string]any) (map[string]any, error) {
	specs, ok := attributeSpecs[c]
	if !ok {
		return nil, invalid("category", "未知的卡片类别 %q", string(c))
	}
	out := make(map[string]any, len(attrs))
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic: the first bad key in order is reported
	for _, k := range keys {
		v := attrs[k]
		field := "attributes." + k
		spec, ok := specs[k]
		if !ok {
			return nil, invalid(field, "类别 %s 不支持属性 %q（支持：%s）", c, k, strings.Join(AttributeKeys(c), ", "))
		}
		if v == nil {
			continue // null means "not set"
		}
		nv, err := spec.check(field, v)
		if err != nil {
			return nil, err
		}
		out[k] = nv
	}
	return out, nil
}

func (s attrSpec) check(field string, v any) (any, error) {
	switch s.kind {
	case attrText, attrURL, attrEnum:
		str, ok := v.(string)
		if !ok {
			return nil, invalid(field, "必须是字符串")
		}
		str = strings.TrimSpace(str)
		if utf8.RuneCountInString(str) > MaxAttributeText {
			return nil, invalid(field, "不能超过 %d 个字符", MaxAttributeText)
		}
		switch s.kind {
		case attrURL:
			if str != "" && !validURL(str) {
				return nil, invalid(field, "必须是 http(s) URL")
			}
		case attrEnum:
			for _, ok := range s.values {
				if str == ok {
					return str, nil
				}
			}
			return nil, invalid(field, "必须是以下之一：%s", strings.Join(s.values, "/"))
		}
		return str, nil
	case attrTextOrNumber:
		switch x := v.(type) {
		case string:
			x = strings.TrimSpace(x)
			if utf8.RuneCountInString(x) > MaxAttributeText {
				return nil, invalid(field, "不能超过 %d 个字符", MaxAttributeText)
			}
			return x, nil
		default:
			f, ok := number(v)
			if !ok {
				return nil, invalid(field, "必须是字符串或数字")
			}
			if f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, invalid(field, "不能为负数")
			}
			if f == math.Trunc(f) && f < 1e15 {
				return int64(f), nil
			}
			return f, nil
		}
	case attrInt:
		f, ok := number(v)
		if !ok || f != math.Trunc(f) {
			return nil, invalid(field, "必须是整数")
		}
		if f < s.min || f > s.max {
			return nil, invalid(field, "必须在 %v 到 %v 之间", s.min, s.max)
		}
		return int64(f), nil
	}
	return nil, fmt.Errorf("cards: unknown attribute kind %d", s.kind)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case interface{ Float64() (float64, error) }: // json.Number
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
