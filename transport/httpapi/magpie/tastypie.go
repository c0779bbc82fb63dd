package magpie

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/queries/filters"
)

// Tastypie's conventions, shared by every 003 resource: the list answer
// {"meta": {limit, next, offset, previous, total_count}, "objects": […]},
// resource_uri of every object and relation, filters field=…,
// field__in=a,b, __gt/__gte/__lt/__lte and __contains, order_by (and
// -field), limit/offset within bounds, and tastypie's 400 {"error": …}.

// Root is the API's path; every resource_uri starts with it.
const Root = "/api/lastest/"

// Bounds of a list: tastypie's default limit and max_limit (limit=0 asks
// for max_limit).
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// URI is a resource's object URI: /api/lastest/<resource>/<id>/.
func URI(resource string, id int64) string {
	return Root + resource + "/" + strconv.FormatInt(id, 10) + "/"
}

// NullURI is URI, or nil for id 0 (a relation that is not set).
func NullURI(resource string, id int64) any {
	if id == 0 {
		return nil
	}
	return URI(resource, id)
}

// Invalid is tastypie's 400 {"error": message} (a filter, an order, a
// window, a body it cannot read).
type Invalid string

func (e Invalid) Error() string { return string(e) }

// Type is a filterable field's type.
type Type int

// Field types: Ref accepts an id or the resource's URI.
const (
	Int Type = iota
	Bool
	Time
	Text
	Ref
)

// Field is a field a list can be filtered on: its type, its resource (for
// Ref) and the operators allowed besides exact.
type Field struct {
	Type     Type
	Resource string
	Ops      []string
}

// Fields are a resource's filterable fields; Ordering those it orders by.
type Fields map[string]Field

// reserved are query parameters that are not filters: the window, the
// order, tastypie's format and ApiKey parameters, 003's digest login, and
// a cache-buster.
var reserved = []string{"limit", "offset", "order_by", "format", "username", "api_key", "api_key_id", "salt_id", "api_key_verify", "_"}

// Common operator sets.
var (
	IDOps   = []string{filters.In, filters.Gt, filters.Gte, filters.Lt, filters.Lte}
	TimeOps = []string{filters.Gt, filters.Gte, filters.Lt, filters.Lte}
	TextOps = []string{filters.Contains, filters.In}
	RefOps  = []string{filters.In}
)

// ParseList reads a list request's query: filters on fields, order_by on
// ordering, limit and offset. Unknown fields and operators, values of the
// wrong type and a bad window are 400 (tastypie ignores unknown
// parameters; 003 names them, so a client's typo is not a silent "all").
func ParseList(c echo.Context, fields Fields, ordering []string) (filters.Page, error) {
	q := c.QueryParams()
	p := filters.Page{Limit: DefaultLimit}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if slices.Contains(reserved, name) {
			continue
		}
		field, op, _ := strings.Cut(name, "__")
		if op == "" {
			op = filters.Exact
		}
		f, ok := fields[field]
		if !ok {
			return p, Invalid(fmt.Sprintf("The '%s' field does not allow filtering.", field))
		}
		if op != filters.Exact && !slices.Contains(f.Ops, op) {
			return p, Invalid(fmt.Sprintf("'%s' is not an allowed filter on the '%s' field.", op, field))
		}
		raw := q[name][len(q[name])-1]
		parts := []string{raw}
		if op == filters.In {
			parts = strings.Split(raw, ",")
		}
		cond := filters.Cond{Field: field, Op: op}
		for _, s := range parts {
			v, err := parseValue(f, op, s)
			if err != nil {
				return p, Invalid(fmt.Sprintf("Invalid value '%s' for the '%s' field: %s", clip(s), field, err))
			}
			cond.Values = append(cond.Values, v)
		}
		p.Conds = append(p.Conds, cond)
	}
	for _, o := range q["order_by"] {
		desc := strings.HasPrefix(o, "-")
		name := strings.TrimPrefix(o, "-")
		if !slices.Contains(ordering, name) {
			return p, Invalid(fmt.Sprintf("No matching '%s' field for ordering on.", clip(name)))
		}
		p.Order = append(p.Order, filters.Order{Field: name, Desc: desc})
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, Invalid(fmt.Sprintf("Invalid limit '%s' provided. Please provide a positive integer.", clip(s)))
		}
		if n == 0 || n > MaxLimit {
			n = MaxLimit
		}
		p.Limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > math.MaxInt32 {
			return p, Invalid(fmt.Sprintf("Invalid offset '%s' provided. Please provide a positive integer >= 0.", clip(s)))
		}
		p.Offset = n
	}
	return p, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

func parseValue(f Field, op, s string) (any, error) {
	s = strings.TrimSpace(s)
	if op == filters.Contains {
		return s, nil
	}
	switch f.Type {
	case Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errors.New("an integer is required")
		}
		return n, nil
	case Ref:
		if id, ok := ParseRef(f.Resource, s); ok {
			return id, nil
		}
		return nil, fmt.Errorf("an id or a %s URI is required", f.Resource)
	case Bool:
		switch strings.ToLower(s) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errors.New("true or false is required")
	case Time:
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), nil
			}
		}
		return nil, errors.New("a date or time (ISO 8601) is required")
	}
	return s, nil
}

// ParseRef reads a relation given as an id or as the resource's URI
// (/api/lastest/<resource>/<id>/, with or without the trailing slash).
func ParseRef(resource, s string) (int64, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, Root+resource+"/"), "/")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// Meta is a list answer's meta.
type Meta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

// List is a list answer.
type List[T any] struct {
	Meta    Meta `json:"meta"`
	Objects []T  `json:"objects"`
}

// NewList is the answer of a page of objects: next and previous keep the
// request's other parameters.
func NewList[T any](c echo.Context, p filters.Page, total int, objects []T) List[T] {
	if objects == nil {
		objects = []T{}
	}
	l := List[T]{Meta: Meta{Limit: p.Limit, Offset: p.Offset, TotalCount: total}, Objects: objects}
	link := func(offset int) *string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(p.Limit))
		q.Set("offset", strconv.Itoa(offset))
		s := c.Request().URL.Path + "?" + q.Encode()
		return &s
	}
	if p.Offset+p.Limit < total {
		l.Meta.Next = link(p.Offset + p.Limit)
	}
	if p.Offset > 0 {
		l.Meta.Previous = link(max(0, p.Offset-p.Limit))
	}
	return l
}

// Body is a request's JSON object, field by field.
type Body map[string]json.RawMessage

// ReadBody reads a JSON object (tastypie's clients send JSON); anything
// else is 400.
func ReadBody(c echo.Context) (Body, error) {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json") {
			return nil, Invalid("The format indicated '" + clip(mt) + "' had no available deserialization method. Please check your ``formats`` and ``content_types`` on your Serializer.")
		}
	}
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(req.Body); err != nil {
		return nil, Invalid("The request body could not be read.")
	}
	var b Body
	dec := json.NewDecoder(&raw)
	if err := dec.Decode(&b); err != nil || b == nil || dec.More() {
		return nil, Invalid("The request body is not a JSON object.")
	}
	return b, nil
}

// Has reports whether the body names the field.
func (b Body) Has(name string) bool { _, ok := b[name]; return ok }

func (b Body) null(name string) bool { return string(bytes.TrimSpace(b[name])) == "null" }

// Str reads a text field (absent: nil).
func (b Body) Str(name string) (*string, error) {
	if !b.Has(name) {
		return nil, nil
	}
	var s string
	if b.null(name) {
		return &s, nil
	}
	if err := json.Unmarshal(b[name], &s); err != nil {
		return nil, BadRequest{Field: name, Message: "A string is required."}
	}
	return &s, nil
}

// Bool reads a boolean field (absent: nil).
func (b Body) Bool(name string) (*bool, error) {
	if !b.Has(name) {
		return nil, nil
	}
	var v any
	_ = json.Unmarshal(b[name], &v)
	switch v := v.(type) {
	case bool:
		return &v, nil
	case string:
		switch strings.ToLower(v) {
		case "true", "1":
			t := true
			return &t, nil
		case "false", "0":
			f := false
			return &f, nil
		}
	}
	return nil, BadRequest{Field: name, Message: "A boolean (true or false) is required."}
}

// Float reads a number field (absent: nil; null: a pointer to nil).
func (b Body) Float(name string) (**float64, error) {
	if !b.Has(name) {
		return nil, nil
	}
	var out *float64
	if b.null(name) {
		return &out, nil
	}
	var v any
	_ = json.Unmarshal(b[name], &v)
	switch v := v.(type) {
	case float64:
		out = &v
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, BadRequest{Field: name, Message: "A number is required."}
		}
		out = &f
	default:
		return nil, BadRequest{Field: name, Message: "A number is required."}
	}
	return &out, nil
}

// Int reads an integer field (absent: nil).
func (b Body) Int(name string) (*int64, error) {
	if !b.Has(name) {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b[name]))
	dec.UseNumber()
	_ = dec.Decode(&v)
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, BadRequest{Field: name, Message: "An integer is required."}
	}
	return &n, nil
}

// Ref reads a relation: an id, the resource's URI, or an object with "id"
// or "resource_uri"; null is 0 (absent: nil).
func (b Body) Ref(name, resource string) (*int64, error) {
	if !b.Has(name) {
		return nil, nil
	}
	var zero int64
	if b.null(name) {
		return &zero, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b[name]))
	dec.UseNumber()
	_ = dec.Decode(&v)
	if o, ok := v.(map[string]any); ok {
		v = o["resource_uri"]
		if v == nil {
			v = o["id"]
		}
	}
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = v
	}
	id, ok := ParseRef(resource, s)
	if !ok {
		return nil, BadRequest{Field: name, Message: fmt.Sprintf("An id or a %s URI (%s%s/<id>/) is required.", resource, Root, resource)}
	}
	return &id, nil
}

// Created answers 201 with the object and its Location, as tastypie does
// with always_return_data.
func Created(c echo.Context, uri string, object any) error {
	c.Response().Header().Set(echo.HeaderLocation, uri)
	return c.JSON(http.StatusCreated, object)
}

// Accepted answers a PATCH: 202 with the object.
func Accepted(c echo.Context, object any) error { return c.JSON(http.StatusAccepted, object) }

// FormatTime renders a time as tastypie does (naive ISO 8601 with microseconds).
func FormatTime(t time.Time) string { return t.UTC().Format(tastypieTime) }
