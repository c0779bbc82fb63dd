// Package drf renders requests and errors the way Django REST Framework does,
// which is what the DRF-based seed APIs' clients expect (000 Roamio and
// Ralendar, 001 HHU): validation errors are {"field": ["message", …]} with
// status 400, other errors {"detail": "…"}.
package drf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// FieldErrors collects DRF-style validation messages per field.
type FieldErrors map[string][]string

// Error makes FieldErrors an error a handler returns: RenderError answers
// it 400 with the fields' messages.
func (f FieldErrors) Error() string {
	names := make([]string, 0, len(f))
	for name := range f {
		names = append(names, name)
	}
	sort.Strings(names)
	return "invalid fields: " + strings.Join(names, ", ")
}

// Err returns f as an error, nil when it holds no message.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return f
}

// Add records msg for field ("non_field_errors" when field is empty).
func (f FieldErrors) Add(field, msg string) {
	if field == "" {
		field = "non_field_errors"
	}
	f[field] = append(f[field], msg)
}

// Form is a decoded request body: a JSON object or Form fields.
type Form struct {
	json   map[string]json.RawMessage
	values url.Values
}

// errBadRequest is a body that cannot be parsed at all.
type errBadRequest struct{ detail string }

func (e *errBadRequest) Error() string { return e.detail }

// ErrUnreadableBody is a request body that could not be read, answered 400
// as DRF words a JSON parse error.
var ErrUnreadableBody error = &errBadRequest{detail: "JSON parse error - the body could not be read"}

// ReadForm decodes a JSON object, or a urlencoded / multipart form.
func ReadForm(c echo.Context) (Form, error) {
	req := c.Request()
	ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch ct {
	case echo.MIMEApplicationForm, echo.MIMEMultipartForm:
		if err := req.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return Form{}, &errBadRequest{detail: "Multipart Form parse error - " + err.Error()}
		}
		return Form{values: req.Form}, nil
	case "", echo.MIMEApplicationJSON:
	default:
		if !strings.HasSuffix(ct, "+json") {
			return Form{}, &errUnsupported{ct: ct}
		}
	}
	body, err := httpapi.Body(c)
	if err != nil {
		return Form{}, ErrUnreadableBody
	}
	f := Form{json: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return f, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // any number is well-formed JSON, however large
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return Form{}, &errBadRequest{detail: parseError(err)}
	}
	if dec.More() {
		return Form{}, &errBadRequest{detail: "JSON parse error - extra data after the JSON value"}
	}
	if _, ok := raw.(map[string]any); !ok {
		return Form{}, &errInvalidData{got: jsonKind(raw)}
	}
	if err := json.Unmarshal(body, &f.json); err != nil {
		return Form{}, &errBadRequest{detail: parseError(err)}
	}
	return f, nil
}

// parseError words a JSON syntax error as DRF does ("JSON parse error -
// …"), with where it is, never with the decoder's own words.
func parseError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("JSON parse error - Invalid JSON at char %d", max(se.Offset-1, 0))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "JSON parse error - Unexpected end of the JSON document"
	}
	return "JSON parse error - Invalid JSON"
}

type errUnsupported struct{ ct string }

func (e *errUnsupported) Error() string {
	return fmt.Sprintf("Unsupported media type \"%s\" in request.", e.ct)
}

type errInvalidData struct{ got string }

func (e *errInvalidData) Error() string {
	return "Invalid data. Expected a dictionary, but got " + e.got + "."
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case float64:
		return "float"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "object"
}

// Str reads a required string field as DRF's CharField does: numbers are
// taken as their text, other types are invalid; blank is invalid unless
// allowBlank. Messages go to errs; ok is false when the field was rejected.
func (f Form) Str(name string, errs FieldErrors, allowBlank bool) (string, bool) {
	var s string
	if f.values != nil {
		vs, ok := f.values[name]
		if !ok {
			errs.Add(name, "This field is required.")
			return "", false
		}
		s = vs[0]
	} else {
		raw, ok := f.json[name]
		if !ok {
			errs.Add(name, "This field is required.")
			return "", false
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			errs.Add(name, "Not a valid string.")
			return "", false
		}
		switch v := v.(type) {
		case nil:
			errs.Add(name, "This field may not be null.")
			return "", false
		case string:
			s = v
		case json.Number:
			s = v.String()
		default:
			errs.Add(name, "Not a valid string.")
			return "", false
		}
	}
	if !allowBlank && strings.TrimSpace(s) == "" {
		errs.Add(name, "This field may not be blank.")
		return "", false
	}
	return s, true
}

// Refusal is an error a handler returns for DRF's {"detail": Detail} with
// Status (an answer no domain fault stands for: a missing file store, an
// invalid page).
type Refusal struct {
	Status int
	Detail string
}

func (r Refusal) Error() string { return fmt.Sprintf("%d: %s", r.Status, r.Detail) }

// Detail answers {"detail": msg}.
func Detail(c echo.Context, status int, msg string) error {
	return c.JSON(status, map[string]any{"detail": msg})
}

// DRF's words for the shared permission checks (domain/access).
const (
	NotAuthenticated = "Authentication credentials were not provided."
	PermissionDenied = "You do not have permission to perform this action."
)

// RenderError answers err the DRF way: FieldErrors, and every fault that
// names a field (an invalid input, a username or e-mail in use), become a
// 400 with the fields' messages; access.ErrUnauthenticated and
// access.ErrForbidden DRF's NotAuthenticated (401) and PermissionDenied
// (403); other faults their status with {"detail": …}, a rate-limited or
// unavailable one with Retry-After (a database that could not be used is
// 503, httpapi.Classify); anything else is returned to the server's error
// handler (500). authenticate is the WWW-Authenticate challenge of 401 answers.
func RenderError(c echo.Context, err error, authenticate string) error {
	err = httpapi.Classify(err)
	var bad *errBadRequest
	var unsupported *errUnsupported
	var invalidData *errInvalidData
	var given FieldErrors
	var refusal Refusal
	switch {
	case errors.As(err, &given):
		return c.JSON(http.StatusBadRequest, given)
	case errors.As(err, &refusal):
		return Detail(c, refusal.Status, refusal.Detail)
	case errors.Is(err, access.ErrUnauthenticated):
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, authenticate)
		return Detail(c, http.StatusUnauthorized, NotAuthenticated)
	case errors.Is(err, access.ErrForbidden):
		return Detail(c, http.StatusForbidden, PermissionDenied)
	case errors.As(err, &bad):
		return Detail(c, http.StatusBadRequest, bad.detail)
	case errors.As(err, &unsupported):
		return Detail(c, http.StatusUnsupportedMediaType, unsupported.Error())
	case errors.As(err, &invalidData):
		return c.JSON(http.StatusBadRequest, FieldErrors{"non_field_errors": {invalidData.Error()}})
	}
	if fields := faultFields(err); len(fields) > 0 {
		return c.JSON(http.StatusBadRequest, fields)
	}
	faults := LeafFaults(err)
	if len(faults) == 0 {
		return err
	}
	f := faults[0]
	status := httpapi.StatusOf(f.Kind)
	if status == http.StatusInternalServerError {
		return err
	}
	if errors.Is(err, handling.ErrConflict) {
		status = http.StatusConflict
	}
	body := map[string]any{"detail": f.Message}
	if f.Kind == fault.Unauthenticated {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, authenticate)
	}
	if f.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", fmt.Sprint(f.RetryAfterSeconds))
	}
	return c.JSON(status, body)
}

// FieldsOf is the field errors RenderError answers 400 for err: given
// FieldErrors, a body that is not an object (non_field_errors), or the
// faults that name a field; ok is false for any other error.
func FieldsOf(err error) (fields FieldErrors, ok bool) {
	var given FieldErrors
	var invalidData *errInvalidData
	switch {
	case errors.As(err, &given):
		return given, true
	case errors.As(err, &invalidData):
		return FieldErrors{"non_field_errors": {invalidData.Error()}}, true
	}
	fields = faultFields(err)
	return fields, len(fields) > 0
}

// faultFields collects the messages of the faults of err that name a field
// (an invalid input, a name or address in use).
func faultFields(err error) FieldErrors {
	fields := FieldErrors{}
	for _, f := range LeafFaults(err) {
		if f.Field != "" && (f.Kind == fault.Invalid || f.Kind == fault.Conflict) {
			fields.Add(f.Field, f.Message)
		}
	}
	return fields
}

// LeafFaults lists the faults of err, looking into joined errors, in order.
func LeafFaults(err error) []*fault.Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*fault.Error
		for _, e := range j.Unwrap() {
			out = append(out, LeafFaults(e)...)
		}
		return out
	}
	if f, ok := fault.As(err); ok {
		return []*fault.Error{f}
	}
	if u := errors.Unwrap(err); u != nil {
		return LeafFaults(u)
	}
	return nil
}

// IsNull reports whether the body carries the field as JSON null.
func (f Form) IsNull(name string) bool {
	if f.values != nil {
		return false
	}
	raw, ok := f.json[name]
	return ok && string(bytes.TrimSpace(raw)) == "null"
}

// Has reports whether the body carries the field (even null or blank).
func (f Form) Has(name string) bool {
	if f.values != nil {
		_, ok := f.values[name]
		return ok
	}
	_, ok := f.json[name]
	return ok
}

// Bool reads an optional boolean flag: JSON true or 1, or the text "true",
// "1", "yes" or "on" (any case). Anything else, or absence, is false.
func (f Form) Bool(name string) bool {
	var s string
	if f.values != nil {
		s = f.values.Get(name)
	} else {
		raw, ok := f.json[name]
		if !ok {
			return false
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return false
		}
		switch v := v.(type) {
		case bool:
			return v
		case float64:
			return v == 1
		case string:
			s = v
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// Opt reads an optional text field: ok is false when it is absent or not
// text (numbers are taken as their text).
func (f Form) Opt(name string) (string, bool) {
	if !f.Has(name) {
		return "", false
	}
	s, ok := f.Str(name, FieldErrors{}, true)
	return s, ok
}

// Value returns the field as decoded: for a JSON body its value (numbers as
// json.Number, objects and arrays as maps and slices), for a form its first
// text; ok is false when it is absent.
func (f Form) Value(name string) (v any, ok bool) {
	if f.values != nil {
		vs, ok := f.values[name]
		if !ok || len(vs) == 0 {
			return nil, false
		}
		return vs[0], true
	}
	raw, ok := f.json[name]
	if !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// FormOf decodes one JSON object (an item of a list a body carries) as a
// Form.
func FormOf(raw json.RawMessage) (Form, error) {
	f := Form{json: map[string]json.RawMessage{}}
	if err := json.Unmarshal(raw, &f.json); err != nil || f.json == nil {
		return Form{}, &errInvalidData{got: "item"}
	}
	return f, nil
}
