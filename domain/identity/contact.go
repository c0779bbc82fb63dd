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
//
// FirstName, LastName, WeChat and Description came with 001's mini-program
// (PUT /current-user/, its meta page); entries recorded before have them
// empty. Name is the full name the address book shows (the mini-program
// sets it to LastName + FirstName).
type ContactInfo struct {
	Name        string `json:"name"`
	Position    string `json:"position"`
	Department  string `json:"department"`
	QQ          string `json:"qq"`
	Phone       string `json:"phone"`
	Mobile      string `json:"mobile"`
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	WeChat      string `json:"wechat,omitempty"`
	Description string `json:"description,omitempty"`
}

// Limits of contact fields.
const (
	MaxContactText  = 64
	MaxContactPhone = 32
	// MaxNamePart bounds first_name and last_name (so that Name, their
	// concatenation, stays within MaxContactText).
	MaxNamePart = 30
	// MaxContactDescription bounds the self-description (简介).
	MaxContactDescription = 1000
)

// Validate checks every field; each invalid one is a fault naming it.
func (c ContactInfo) Validate() error {
	var errs []error
	textOf := func(field, v string, max int, lines bool) {
		if utf8.RuneCountInString(v) > max {
			errs = append(errs, fault.Invalidf(field, "Ensure this field has no more than %d characters.", max))
			return
		}
		for _, r := range v {
			if unicode.IsControl(r) && !(lines && (r == '\n' || r == '\r' || r == '\t')) {
				errs = append(errs, fault.Invalidf(field, "Control characters are not allowed."))
				return
			}
		}
	}
	text := func(field, v string) { textOf(field, v, MaxContactText, false) }
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
	textOf("first_name", c.FirstName, MaxNamePart, false)
	textOf("last_name", c.LastName, MaxNamePart, false)
	text("wechat", c.WeChat)
	textOf("description", c.Description, MaxContactDescription, true)
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
