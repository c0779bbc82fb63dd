package hhu

import (
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// PathID parses the positive integer path parameter name; a malformed one
// is ErrNotFound, as Django's <int:pk> converter answers.
func PathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotFound
	}
	return id, nil
}

// FormInt reads an integer field as DRF's IntegerField does (numbers or
// numeric strings). present is false when the field is absent.
func FormInt(f drf.Form, name string, errs drf.FieldErrors, required bool) (v int64, present bool) {
	if !f.Has(name) {
		if required {
			errs.Add(name, "This field is required.")
		}
		return 0, false
	}
	tmp := drf.FieldErrors{}
	s, ok := f.Str(name, tmp, false)
	if !ok {
		if msgs := tmp[name]; len(msgs) > 0 && msgs[0] != "Not a valid string." && msgs[0] != "This field may not be blank." {
			errs.Add(name, msgs[0])
		} else {
			errs.Add(name, "A valid integer is required.")
		}
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if fl, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64); ferr == nil && fl == float64(int64(fl)) && fl > -1e15 && fl < 1e15 {
			return int64(fl), true
		}
		errs.Add(name, "A valid integer is required.")
		return 0, true
	}
	return n, true
}

// QueryInt reads an optional non-negative integer query parameter.
func QueryInt(c echo.Context, name string, errs drf.FieldErrors) (int64, bool) {
	s := strings.TrimSpace(c.QueryParam(name))
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		errs.Add(name, "A valid integer is required.")
		return 0, false
	}
	if n < 0 {
		errs.Add(name, "Ensure this value is greater than or equal to 0.")
		return 0, false
	}
	return n, true
}

// InvalidPK is DRF's PrimaryKeyRelatedField message for an id that names
// nothing.
func InvalidPK(id int64) string {
	return `Invalid pk "` + strconv.FormatInt(id, 10) + `" - object does not exist.`
}

// DateTimeMessage is DRF's DateTimeField error.
const DateTimeMessage = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."

// ParseDateTime reads an ISO 8601 time; one without an offset is in zone
// (as Django reads naive times in TIME_ZONE).
func ParseDateTime(s string, zone *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04Z07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(l, s, zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Deref is the text s points to, "" for nil.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
