package identity

import (
	"slices"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
)

// EventPersonalDataErased is the wire name of PersonalDataErased.
const EventPersonalDataErased = "PersonalDataErased_v1"

// PersonalDataErased: an operator erased a user's personal data. The log is
// never edited: what the user's events hold of it is sealed in the vault,
// and a reaction deletes the keys of the user's subjects
// (ErasureSubjects), which makes it unreadable everywhere at once; every
// read model blanks what it opened of it. The account itself stays (its id,
// its name, its password), so references to it keep working.
type PersonalDataErased struct {
	UserID   int64     `json:"user_id"`
	ErasedBy int64     `json:"erased_by,omitempty"`
	ErasedAt time.Time `json:"erased_at"`
}

// EventType implements eventlog.Event.
func (PersonalDataErased) EventType() string { return EventPersonalDataErased }

// ErasePersonalData decides the erasure of the user's personal data, by an
// administrator or the system (access.ErrUnauthenticated,
// access.ErrForbidden otherwise). A user already erased is erased again
// (the keys of addresses added since are deleted too).
func (u *User) ErasePersonalData(by access.Actor, now time.Time) ([]eventlog.Event, error) {
	if !by.System {
		if _, err := by.AdminUser(); err != nil {
			return nil, err
		}
	}
	return []eventlog.Event{PersonalDataErased{UserID: u.id, ErasedBy: by.UserID, ErasedAt: now.UTC()}}, nil
}

// Erased reports whether the user's personal data was erased.
func (u *User) Erased() bool { return u.erased }

// ErasureSubjects are the vault subjects that hold the user's personal data:
// the user's own, and those of every address the user registered or
// changed to (verification codes are sealed under the address).
func (u *User) ErasureSubjects() []string {
	out := []string{UserDataSubject(u.id)}
	for _, d := range u.emailDigests {
		if s := EmailDataSubject(d); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
