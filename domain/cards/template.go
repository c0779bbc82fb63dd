package cards

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Limits of template fields.
const (
	MaxNameLength        = 100
	MaxDescriptionLength = 2000
	MaxImageLength       = 500
)

// TemplateSpec is a template's validated content.
type TemplateSpec struct {
	Name        string
	Category    Category
	Description string
	Image       string
	Attributes  map[string]any
	Rarity      Rarity
	IsActive    bool
}

// TemplateInput is what a client sends to create or update a template; nil
// pointers are fields the client left out.
type TemplateInput struct {
	Name        *string
	Category    *string
	Description *string
	Image       *string
	Attributes  map[string]any
	// AttributesSet tells an explicit attributes value (even null or {}) from
	// an absent one.
	AttributesSet bool
	Rarity        *string
	IsActive      *bool
}

// NewTemplateSpec validates a create request: name and category are required;
// rarity defaults to common, is_active to true, attributes to {}.
func NewTemplateSpec(in TemplateInput) (TemplateSpec, error) {
	return in.apply(TemplateSpec{Rarity: Common, IsActive: true}, true)
}

// apply merges the input over base and validates the result. When full is
// set, name and category must be present.
func (in TemplateInput) apply(base TemplateSpec, full bool) (TemplateSpec, error) {
	s := base
	if in.Name == nil {
		if full {
			return s, invalid("name", "该字段是必填项")
		}
	} else {
		s.Name = strings.TrimSpace(*in.Name)
	}
	if in.Category == nil {
		if full {
			return s, invalid("category", "该字段是必填项")
		}
	} else {
		c, ok := ParseCategory(*in.Category)
		if !ok {
			return s, invalid("category", "%q 不是有效的类别（dance/song/clothing/game）", *in.Category)
		}
		s.Category = c
	}
	if in.Description != nil {
		s.Description = strings.TrimSpace(*in.Description)
	}
	if in.Image != nil {
		s.Image = strings.TrimSpace(*in.Image)
	}
	if in.AttributesSet {
		s.Attributes = in.Attributes
	}
	if in.Rarity != nil {
		r, ok := ParseRarity(*in.Rarity)
		if !ok {
			return s, invalid("rarity", "%q 不是有效的稀有度（common/rare/epic/legendary）", *in.Rarity)
		}
		s.Rarity = r
	}
	if in.IsActive != nil {
		s.IsActive = *in.IsActive
	}
	return s.validate()
}

func (s TemplateSpec) validate() (TemplateSpec, error) {
	if s.Name == "" {
		return s, invalid("name", "不能为空")
	}
	if utf8.RuneCountInString(s.Name) > MaxNameLength {
		return s, invalid("name", "不能超过 %d 个字符", MaxNameLength)
	}
	if _, ok := ParseCategory(string(s.Category)); !ok {
		return s, invalid("category", "该字段是必填项")
	}
	if utf8.RuneCountInString(s.Description) > MaxDescriptionLength {
		return s, invalid("description", "不能超过 %d 个字符", MaxDescriptionLength)
	}
	if len(s.Image) > MaxImageLength {
		return s, invalid("image", "不能超过 %d 个字符", MaxImageLength)
	}
	if s.Image != "" && !validURL(s.Image) {
		return s, invalid("image", "必须是 http(s) URL")
	}
	if _, ok := ParseRarity(string(s.Rarity)); !ok {
		return s, invalid("rarity", "不是有效的稀有度")
	}
	attrs, err := ValidateAttributes(s.Category, s.Attributes)
	if err != nil {
		return s, err
	}
	s.Attributes = attrs
	return s, nil
}

// Template is a template's state, folded from its stream.
type Template struct {
	ID        int64
	Spec      TemplateSpec
	CreatedAt time.Time
	UpdatedAt time.Time
	Deleted   bool
	exists    bool
}

// Exists reports whether the template was created and not deleted.
func (t Template) Exists() bool { return t.exists && !t.Deleted }

// TemplateFrom folds a template's events.
func TemplateFrom(events []eventlog.Event) Template {
	var t Template
	for _, e := range events {
		t = t.apply(e)
	}
	return t
}

func (t Template) apply(e eventlog.Event) Template {
	switch e := e.(type) {
	case TemplateCreated:
		t = Template{ID: e.TemplateID, exists: true, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt,
			Spec: TemplateSpec{Name: e.Name, Category: e.Category, Description: e.Description, Image: e.Image,
				Attributes: e.Attributes, Rarity: e.Rarity, IsActive: e.IsActive}}
	case TemplateUpdated:
		t.Spec = TemplateSpec{Name: e.Name, Category: e.Category, Description: e.Description, Image: e.Image,
			Attributes: e.Attributes, Rarity: e.Rarity, IsActive: e.IsActive}
		t.UpdatedAt = e.UpdatedAt
	case TemplateDeleted:
		t.Deleted = true
		t.UpdatedAt = e.DeletedAt
	}
	return t
}

// CreateTemplate decides the creation of template id.
func CreateTemplate(id int64, spec TemplateSpec, now time.Time) TemplateCreated {
	return TemplateCreated{TemplateID: id, Name: spec.Name, Category: spec.Category, Description: spec.Description,
		Image: spec.Image, Attributes: nonNil(spec.Attributes), Rarity: spec.Rarity, IsActive: spec.IsActive, CreatedAt: now.UTC()}
}

// Update decides a change of the template. full is PUT (name and category
// required), otherwise PATCH. The category of a template never changes: its
// batches' cards and attributes depend on it.
func (t Template) Update(in TemplateInput, full bool, now time.Time) ([]eventlog.Event, error) {
	if !t.Exists() {
		return nil, ErrTemplateNotFound
	}
	if in.Category != nil {
		if c, ok := ParseCategory(*in.Category); ok && c != t.Spec.Category {
			return nil, invalid("category", "模板的类别创建后不能修改")
		}
	}
	spec, err := in.apply(t.Spec, full)
	if err != nil {
		return nil, err
	}
	return []eventlog.Event{TemplateUpdated{TemplateID: t.ID, Name: spec.Name, Category: spec.Category,
		Description: spec.Description, Image: spec.Image, Attributes: nonNil(spec.Attributes), Rarity: spec.Rarity,
		IsActive: spec.IsActive, UpdatedAt: now.UTC()}}, nil
}

// Delete decides the deletion of the template.
func (t Template) Delete(now time.Time) ([]eventlog.Event, error) {
	if !t.Exists() {
		return nil, ErrTemplateNotFound
	}
	return []eventlog.Event{TemplateDeleted{TemplateID: t.ID, DeletedAt: now.UTC()}}, nil
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
