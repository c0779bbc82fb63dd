package hhu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/fault"
)

// This file renders requests and errors the way Django REST Framework does,
// which is what 001's clients (a WeChat mini-program) expect: validation errors are
// {"field": ["message", …]} with status 400, other errors {"detail": "…"}.

// fieldErrors collects DRF-style validation messages per field.
type fieldErrors map[string][]string

func (f fieldErrors) add(field, msg string) {
	if field == "" {
		field = "non_field_errors"
	}
	f[field] = append(f[field], msg)
}

// form is a decoded request body: a JSON object or form fields.
type form struct {
	json   map[string]json.RawMessage
	values url.Values
}

// errBadRequest is a body that cannot be parsed at all.
type errBadRequest struct{ detail string }

func (e *errBadRequest) Error() string { return e.detail }

// readForm decodes a JSON object, or a urlencoded / multipart form.
func readForm(c echo.Context) (form, error) {
	req := c.Request()
	ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch ct {
	case echo.MIMEApplicationForm, echo.MIMEMultipartForm:
		if err := req.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return form{}, &errBadRequest{detail: "Multipart form parse error - " + err.Error()}
		}
		return form{values: req.Form}, nil
	case "", echo.MIMEApplicationJSON:
	default:
		if !strings.HasSuffix(ct, "+json") {
			return form{}, &errUnsupported{ct: ct}
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return form{}, &errBadRequest{detail: "JSON parse error - " + err.Error()}
	}
	f := form{json: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return f, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return form{}, &errBadRequest{detail: "JSON parse error - " + err.Error()}
	}
	if dec.More() {
		return form{}, &errBadRequest{detail: "JSON parse error - extra data after the JSON value"}
	}
	if _, ok := raw.(map[string]any); !ok {
		return form{}, &errInvalidData{got: jsonKind(raw)}
	}
	if err := json.Unmarshal(body, &f.json); err != nil {
		return form{}, &errBadRequest{detail: "JSON parse error - " + err.Error()}
	}
	return f, nil
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

// str reads a required string field as DRF's CharField does: numbers are
// taken as their text, other types are invalid; blank is invalid unless
// allowBlank. Messages go to errs; ok is false when the field was rejected.
func (f form) str(name string, errs fieldErrors, allowBlank bool) (string, bool) {
	var s string
	if f.values != nil {
		vs, ok := f.values[name]
		if !ok {
			errs.add(name, "This field is required.")
			return "", false
		}
		s = vs[0]
	} else {
		raw, ok := f.json[name]
		if !ok {
			errs.add(name, "This field is required.")
			return "", false
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			errs.add(name, "Not a valid string.")
			return "", false
		}
		switch v := v.(type) {
		case nil:
			errs.add(name, "This field may not be null.")
			return "", false
		case string:
			s = v
		case json.Number:
			s = v.String()
		default:
			errs.add(name, "Not a valid string.")
			return "", false
		}
	}
	if !allowBlank && strings.TrimSpace(s) == "" {
		errs.add(name, "This field may not be blank.")
		return "", false
	}
	return s, true
}

// detail answers {"detail": msg}.
func detail(c echo.Context, status int, msg string) error {
	return c.JSON(status, map[string]any{"detail": msg})
}

// faultStatus maps a fault kind to its HTTP status, once for this API.
var faultStatus = map[fault.Kind]int{
	fault.Invalid:         http.StatusBadRequest,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.Forbidden:       http.StatusForbidden,
	fault.RateLimited:     http.StatusTooManyRequests,
}

// renderError answers err the DRF way: every fault that names a field (an
// invalid input, a username or e-mail in use) becomes a 400 with the fields'
// messages; other faults their status with {"detail": …}; anything else is
// returned to the server's error handler (500).
func renderError(c echo.Context, err error) error {
	var bad *errBadRequest
	var unsupported *errUnsupported
	var invalidData *errInvalidData
	switch {
	case errors.As(err, &bad):
		return detail(c, http.StatusBadRequest, bad.detail)
	case errors.As(err, &unsupported):
		return detail(c, http.StatusUnsupportedMediaType, unsupported.Error())
	case errors.As(err, &invalidData):
		return c.JSON(http.StatusBadRequest, fieldErrors{"non_field_errors": {invalidData.Error()}})
	}
	faults := leafFaults(err)
	fields := fieldErrors{}
	for _, f := range faults {
		if f.Field != "" && (f.Kind == fault.Invalid || f.Kind == fault.Conflict) {
			fields.add(f.Field, f.Message)
		}
	}
	if len(fields) > 0 {
		return c.JSON(http.StatusBadRequest, fields)
	}
	if len(faults) == 0 {
		return err
	}
	f := faults[0]
	status, ok := faultStatus[f.Kind]
	if !ok {
		return err
	}
	if errors.Is(err, handling.ErrConflict) {
		status = http.StatusConflict
	}
	body := map[string]any{"detail": f.Message}
	if f.Kind == fault.Unauthenticated {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Token`)
	}
	if f.Kind == fault.RateLimited && f.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", fmt.Sprint(f.RetryAfterSeconds))
	}
	return c.JSON(status, body)
}

// leafFaults lists the faults of err, looking into joined errors, in order.
func leafFaults(err error) []*fault.Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*fault.Error
		for _, e := range j.Unwrap() {
			out = append(out, leafFaults(e)...)
		}
		return out
	}
	if f, ok := fault.As(err); ok {
		return []*fault.Error{f}
	}
	if u := errors.Unwrap(err); u != nil {
		return leafFaults(u)
	}
	return nil
}
