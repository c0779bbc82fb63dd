package hhu

import (
	"errors"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Where a client that shows one message of a 400 reads it (docs/hhu.md,
// "Real clients").
const (
	// SummaryNonField: non_field_errors[0], as DRF answers a serializer's
	// validate() (the mini-program's reservation and enrollment pages).
	SummaryNonField = "non_field_errors"
	// SummaryDetail: detail, a string (the mini-program's clock-in scan and
	// guide mail).
	SummaryDetail = "detail"
)

// summarized is a validation error answered with its first message under
// key as well.
type summarized struct {
	err error
	key string
}

func (s *summarized) Error() string { return s.err.Error() }
func (s *summarized) Unwrap() error { return s.err }

// Summarized returns err so that, when Render answers it as a 400 naming
// fields, the answer also carries the first message under key
// (SummaryNonField or SummaryDetail) unless that key is already there:
// {"reserve_to": ["预约时长不能少于30分钟"], "non_field_errors":
// ["预约时长不能少于30分钟"]}. Every other answer is unchanged. nil stays nil.
func Summarized(err error, key string) error {
	if err == nil {
		return nil
	}
	return &summarized{err: err, key: key}
}

// renderSummarized answers s when its error names fields; ok is false
// otherwise.
func renderSummarized(c echo.Context, s *summarized) (ok bool, werr error) {
	fields, ok := drf.FieldsOf(s.err)
	if !ok {
		return false, nil
	}
	body := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		body[k] = v
	}
	if _, has := body[s.key]; !has {
		first := firstMessage(fields)
		if s.key == SummaryDetail {
			body[s.key] = first
		} else {
			body[s.key] = []string{first}
		}
	}
	return true, c.JSON(http.StatusBadRequest, body)
}

// firstMessage is the message a one-message client shows: non_field_errors
// first, then the fields by name.
func firstMessage(fields drf.FieldErrors) string {
	if m := fields[SummaryNonField]; len(m) > 0 {
		return m[0]
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(fields[name]) > 0 {
			return fields[name][0]
		}
	}
	return ""
}

// asSummarized finds a summarized error in err's chain.
func asSummarized(err error) (*summarized, bool) {
	var s *summarized
	return s, errors.As(err, &s)
}
