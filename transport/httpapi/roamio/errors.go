package roamio

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Refusal is Roamio's own refusal: {"success": false, "error": Message} with
// Status, as its QQ endpoints answer.
type Refusal struct {
	Status  int
	Message string
}

func (r Refusal) Error() string { return strconv.Itoa(r.Status) + ": " + r.Message }

// withError marks an error of an endpoint that answers invalid fields in
// Roamio's shape (the verification-code endpoints): {"success": false,
// "error": <first message>, <field>: [<messages>]}.
type withError struct{ err error }

func (w withError) Error() string { return w.err.Error() }
func (w withError) Unwrap() error { return w.err }

// WithError makes err's invalid fields answer in Roamio's shape (nil stays
// nil).
func WithError(err error) error {
	if err == nil {
		return nil
	}
	return withError{err}
}

// Render is Roamio's error table:
//
//   - Refusal: its status, {"success": false, "error": …};
//   - too many verification codes (identity.ErrTooManyCodes): 429
//     {"success": false, "error": "发送过于频繁,请稍后再试",
//     "remaining_seconds": N} with Retry-After;
//   - invalid fields of a WithError error: 400 {"success": false, "error":
//     <first>, <field>: [...]};
//   - everything else as the JWT APIs answer (identityauth.RenderJWT): DRF's
//     fields and details, simplejwt's token_not_valid, DRF's throttling
//     (429 "Request was throttled. Expected available in N seconds." with
//     Retry-After) for too many password attempts, 500 for the unclassified.
func Render(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	var refusal Refusal
	if errors.As(err, &refusal) {
		return c.JSON(refusal.Status, map[string]any{"success": false, "error": refusal.Message})
	}
	if f, ok := fault.As(err); ok && errors.Is(err, identity.ErrTooManyCodes) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		return c.JSON(http.StatusTooManyRequests, map[string]any{
			"success": false, "error": "发送过于频繁,请稍后再试", "remaining_seconds": f.RetryAfterSeconds})
	}
	var we withError
	if errors.As(err, &we) {
		if body, ok := fieldsWithError(we.err); ok {
			return c.JSON(http.StatusBadRequest, body)
		}
	}
	return identityauth.RenderJWT(c, err)
}

// fieldsWithError is the body of Roamio's field errors: the fields'
// messages and the first one under "error"; ok is false when err names no
// field.
func fieldsWithError(err error) (map[string]any, bool) {
	fields := drf.FieldErrors{}
	first := ""
	var given drf.FieldErrors
	if errors.As(err, &given) {
		return nil, false
	}
	for _, f := range drf.LeafFaults(err) {
		if f.Field != "" && (f.Kind == fault.Invalid || f.Kind == fault.Conflict) {
			fields.Add(f.Field, f.Message)
			if first == "" {
				first = f.Message
			}
		}
	}
	if len(fields) == 0 {
		return nil, false
	}
	body := map[string]any{"success": false, "error": first}
	for k, v := range fields {
		body[k] = v
	}
	return body, true
}
