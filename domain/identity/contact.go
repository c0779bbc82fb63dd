package identity

import (
	"errors"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/fault"
)

// ContactInfo is a user's address-book entry (001's /current-user/meta/):
// personal data, kept sealed in the personal-data vault.
type ContactInfo struct {
	Name       string `json:"name"`
	Position   string `json:"position"`
	Department string `json:"department"`
	QQ         string `json:"qq"`
	Phone      string `json:"phone"`
	Mobile     string `json:"mobile"`
}

// Limits of contact fields.
const (
	MaxContactText  = 64
	MaxContactPhone = 32
)

// Validate checks every field; each invalid one is a fault naming it.
func (c ContactInfo) Validate() error {
	var errs []error
	text := func(field, v string) {
		if utf8.RuneCountInString(v) > MaxContactText {
			errs = append(errs, fault.Invalidf(field, "Ensure this field has no more than %d characters.", MaxContactText))
			return
		}
		for _, r := range v {
			if unicode.IsControl(r) {
				errs = append(errs, fault.Invalidf(field, "Control characters are not allowed."))
				return
			}
		}
	}
	digits := func(field, v, extra string, max int) {
		if len(v) > max {
			errs = append(errs, fault.Invalidf(field, "Ensure this field has no more than %d characters.", max))
			return
		}
		for _, r := range v {
			if !(r >= '0' && r <= '9') && !containsRune(extra, r) {
				errs = append(errs, fault.Invalidf(field, "Enter a valid number."))
				return
			}
		}
	}
	text("name", c.Name)
	text("position", c.Position)
	text("department", c.Department)
	digits("qq", c.QQ, "", 12)
	digits("phone", c.Phone, "+- ()", MaxContactPhone)
	digits("mobile", c.Mobile, "+- ", MaxContactPhone)
	return errors.Join(errs...)
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// ContactInfoUpdated replaces a user's address-book entry. DataRef is the
// entry (JSON) sealed in the personal-data vault for "user:<id>": erasing
// the subject erases every version of it.
type ContactInfoUpdated struct {
	UserID    int64     `json:"user_id"`
	DataRef   string    `json:"data_ref"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EventContactInfoUpdated is its wire name.
const EventContactInfoUpdated = "ContactInfoUpdated_v1"

// EventType implements eventlog.Event.
func (ContactInfoUpdated) EventType() string { return EventContactInfoUpdated }
