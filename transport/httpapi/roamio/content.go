package roamio

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// ContentRoutes returns the router of Roamio's content paths (trips, trip
// plans, trip events, comments): errors written by RenderContent.
func ContentRoutes(e *echo.Echo) httpapi.Router { return httpapi.NewRouter(e, Prefix, RenderContent) }

// Error codes of the seed's error format.
const (
	CodeInvalidInput = "INVALID_INPUT"
	CodeUnauthorized = "UNAUTHORIZED"
	CodeForbidden    = "FORBIDDEN"
	CodeNotFound     = "NOT_FOUND"
	CodeRateLimited  = "RATE_LIMIT_EXCEEDED"
	CodeConflict     = "CONFLICT"
	CodeUnavailable  = "SERVICE_UNAVAILABLE"
)

// codeOf is the seed's error_code of a status.
func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusRequestEntityTooLarge:
		return CodeInvalidInput
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusTooManyRequests:
		return CodeRateLimited
	case http.StatusConflict:
		return CodeConflict
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	}
	return "ERROR"
}

// capture keeps what a renderer writes.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *capture) Header() http.Header         { return w.header }
func (w *capture) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *capture) WriteHeader(status int)      { w.status = status }

// RenderContent is the error table of Roamio's content routes: the seed's
// unified format {"error", "error_code", "details"} beside what DRF answers
// (Render): {"detail": …} or the fields' messages, which the web client
// reads, so one answer carries both. A field error's "error" names the
// field ("title: This field may not be blank."), "details" holds every
// field's messages. Anything Render leaves to the server (a 500) stays so.
func RenderContent(c echo.Context, err error) error {
	res := c.Response()
	if res.Committed {
		return nil
	}
	orig := res.Writer
	w := &capture{header: res.Header()}
	res.Writer = w
	rerr := Render(c, err)
	res.Writer = orig
	if !res.Committed {
		return rerr
	}
	res.Committed, res.Size, res.Status = false, 0, 0
	status := w.status
	var body map[string]any
	if json.Unmarshal(w.body.Bytes(), &body) != nil || body == nil {
		body = map[string]any{}
	}
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	details := map[string]any{}
	msg, _ := body["detail"].(string)
	if m, ok := body["error"].(string); ok && msg == "" {
		msg = m
	}
	if status == http.StatusBadRequest && msg == "" {
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "success" {
				continue
			}
			details[k] = body[k]
			if msg == "" {
				if l, ok := body[k].([]any); ok && len(l) > 0 {
					if s, ok := l[0].(string); ok {
						msg = k + ": " + s
					}
				}
			}
		}
		if msg == "" {
			msg = "Invalid input."
		}
	}
	if code, ok := body["code"].(string); ok {
		details["code"] = code
	}
	out["error"] = msg
	out["error_code"] = codeOf(status)
	out["details"] = details
	return c.JSON(status, out)
}
