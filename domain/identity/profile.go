package identity

import (
	"errors"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Wire names of the profile events.
const (
	EventProfileUpdated = "ProfileUpdated_v1"
	EventAvatarChanged  = "AvatarChanged_v1"
)

// Limits of profile fields (Roamio).
const (
	MaxBioLength              = 500
	MaxTagsLength             = 200
	MaxVisitedCountriesLength = 200
	// MaxAvatarBytes bounds an uploaded avatar.
	MaxAvatarBytes = 2 << 20
)

// Profile is the public part of a Roamio profile the user edits. Birthday
// is personal data: ProfileUpdated carries it sealed. VisitedCountries is
// the Roamio web client's comma-separated list of countries.
type Profile struct {
	Bio              string
	Tags             string
	Birthday         string // YYYY-MM-DD or ""
	VisitedCountries string
}

// ValidateProfile checks the fields; each invalid one is a fault naming it.
func ValidateProfile(p Profile, today time.Time) error {
	var errs []error
	text := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			errs = append(errs, fault.Invalidf(field, "Ensure this field has no more than %d characters.", max))
			return
		}
		for _, r := range v {
			if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
				errs = append(errs, fault.Invalidf(field, "Control characters are not allowed."))
				return
			}
		}
	}
	text("bio", p.Bio, MaxBioLength)
	text("tags", p.Tags, MaxTagsLength)
	text("visited_countries", p.VisitedCountries, MaxVisitedCountriesLength)
	if p.Birthday != "" {
		d, err := time.Parse(time.DateOnly, p.Birthday)
		if err != nil || d.Year() < 1900 || d.After(today) {
			errs = append(errs, fault.Invalidf("birthday", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."))
		}
	}
	return errors.Join(errs...)
}

// ProfileUpdated replaces the user's bio, tags, birthday (sealed in the
// personal-data vault for "user:<id>"; empty: none) and visited countries
// (absent from the events recorded before the field existed: none).
type ProfileUpdated struct {
	UserID           int64     `json:"user_id"`
	Bio              string    `json:"bio"`
	Tags             string    `json:"tags"`
	BirthdayRef      string    `json:"birthday_ref,omitempty"`
	VisitedCountries string    `json:"visited_countries,omitempty"`
	UpdatedBy        int64     `json:"updated_by"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// AvatarChanged records a new avatar: the key of the stored file.
type AvatarChanged struct {
	UserID      int64     `json:"user_id"`
	FileKey     string    `json:"file_key"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	ChangedBy   int64     `json:"changed_by"`
	ChangedAt   time.Time `json:"changed_at"`
}

// EventType implementations.
func (ProfileUpdated) EventType() string { return EventProfileUpdated }
func (AvatarChanged) EventType() string  { return EventAvatarChanged }

// CanEdit reports whether actor may edit the user's profile: the owner or
// an admin.
func (u *User) CanEdit(actor access.Actor) bool {
	return actor.System || actor.Admin || actor.Owns(u.id)
}

// UpdateProfile decides new profile fields (validated by the caller with
// ValidateProfile; birthday sealed into birthdayRef).
func (u *User) UpdateProfile(by access.Actor, p Profile, birthdayRef string, now time.Time) ([]eventlog.Event, error) {
	if !u.CanEdit(by) {
		return nil, ErrNotOwner
	}
	return []eventlog.Event{ProfileUpdated{UserID: u.id, Bio: p.Bio, Tags: p.Tags, BirthdayRef: birthdayRef, VisitedCountries: p.VisitedCountries,
		UpdatedBy: by.UserID, UpdatedAt: now.UTC()}}, nil
}

// ChangeAvatar decides a new avatar file.
func (u *User) ChangeAvatar(by access.Actor, key, contentType string, size int64, now time.Time) ([]eventlog.Event, error) {
	if !u.CanEdit(by) {
		return nil, ErrNotOwner
	}
	if key == "" || size <= 0 || size > MaxAvatarBytes {
		return nil, fault.Invalidf("avatar", "Upload a valid image.")
	}
	return []eventlog.Event{AvatarChanged{UserID: u.id, FileKey: key, ContentType: contentType, Size: size, ChangedBy: by.UserID, ChangedAt: now.UTC()}}, nil
}

// ErrNotOwner refuses an edit of another user's account.
var ErrNotOwner = fault.New(fault.Forbidden, "NOT_OWNER", "You do not have permission to perform this action.")
