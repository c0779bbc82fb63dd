package tripshttp

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// body is a JSON object request body, field by field.
type body map[string]json.RawMessage

// readBody decodes a JSON object body (empty: no fields).
func readBody(c echo.Context) (body, error) {
	raw, err := httpapi.Body(c)
	if err != nil {
		return nil, drf.ErrUnreadableBody
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return body{}, nil
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil || b == nil {
		return nil, drf.FieldErrors{"non_field_errors": {"Invalid data. Expected a JSON object."}}
	}
	return b, nil
}

func (b body) has(name string) bool {
	_, ok := b[name]
	return ok
}

func (b body) null(name string) bool {
	return strings.TrimSpace(string(b[name])) == "null"
}

// str reads an optional text field (nil when absent; null reads as "").
func (b body) str(name string, errs drf.FieldErrors) *string {
	raw, ok := b[name]
	if !ok {
		return nil
	}
	if b.null(name) {
		s := ""
		return &s
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			errs.Add(name, "Not a valid string.")
			return nil
		}
		s = n.String()
	}
	return &s
}

// object reads an optional JSON object field (nil when absent; null reads
// as an empty object).
func (b body) object(name string, errs drf.FieldErrors) *map[string]any {
	raw, ok := b[name]
	if !ok {
		return nil
	}
	m := map[string]any{}
	if b.null(name) {
		return &m
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		errs.Add(name, "Expected a JSON object.")
		return nil
	}
	return &m
}

// date reads an optional date field: YYYY-MM-DD, or a datetime whose date
// is taken; null and "" clear it.
func (b body) date(name string, errs drf.FieldErrors) *string {
	s := b.str(name, errs)
	if s == nil || *s == "" {
		return s
	}
	v := strings.TrimSpace(*s)
	if len(v) > 10 && (v[10] == 'T' || v[10] == ' ') {
		v = v[:10]
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		errs.Add(name, "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
		return nil
	}
	return &v
}

// Zone is where a time without offset is read (the web client sends its
// datetime-local values in China Standard Time).
var Zone = time.FixedZone("CST", 8*3600)

// parseTime reads RFC 3339, or a local "YYYY-MM-DDThh:mm[:ss]" in Zone.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, Zone); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// eventTime reads the item's time from event_time or the client's
// eventTime: absent nil, null or "" a cleared time.
func (b body) eventTime(errs drf.FieldErrors) **time.Time {
	name := "event_time"
	if !b.has(name) && b.has("eventTime") {
		name = "eventTime"
	}
	s := b.str(name, errs)
	if s == nil {
		return nil
	}
	var t *time.Time
	if *s != "" {
		v, ok := parseTime(*s)
		if !ok {
			errs.Add(name, "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z].")
			return nil
		}
		t = &v
	}
	return &t
}

// location reads an item's location: an object, or a text taken as its
// name.
func (b body) location(errs drf.FieldErrors) *map[string]any {
	raw, ok := b["location"]
	if !ok {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		m := map[string]any{}
		if s != "" {
			m["name"] = s
		}
		return &m
	}
	return b.object("location", errs)
}

var errInvalidPage = fault.New(fault.NotFound, "NOT_FOUND", "Invalid page.")
