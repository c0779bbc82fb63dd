package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// PhoneClaimCategory is the category of phone claims:
// "userphone-<sha256 of the number>".
const PhoneClaimCategory = "userphone"

// Wire names of the phone and travel-profile events.
const (
	EventPhoneClaimed       = "PhoneClaimed_v1"
	EventPhoneReleased      = "PhoneReleased_v1"
	EventPhoneChanged       = "PhoneChanged_v1"
	EventTravelInfoUpdated  = "TravelInfoUpdated_v1"
	ErrPhoneTakenMessage    = "手机号已被使用"
	ErrPhoneFormatMessage   = "手机号格式不正确"
	MaxIntroLength          = 500
	GenderUnset, GenderMale = 0, 1
	GenderFemale            = 2
)

// ErrPhoneTaken refuses a number held by another user.
var ErrPhoneTaken = &fault.Error{Kind: fault.Conflict, Code: "PHONE_TAKEN", Field: "phone", Message: ErrPhoneTakenMessage}

// Phone is a validated mobile number (11 digits starting with 1, as 004
// accepts), or the empty number.
type Phone struct{ s string }

// NewPhone validates a number; "" is the empty number.
func NewPhone(s string) (Phone, error) {
	if s == "" {
		return Phone{}, nil
	}
	if len(s) != 11 || s[0] != '1' {
		return Phone{}, fault.Invalidf("phone", ErrPhoneFormatMessage)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return Phone{}, fault.Invalidf("phone", ErrPhoneFormatMessage)
		}
	}
	return Phone{s: s}, nil
}

// String is the number; IsZero reports the empty number; Digest is its
// SHA-256 (hex).
func (p Phone) String() string { return p.s }
func (p Phone) IsZero() bool   { return p.s == "" }
func (p Phone) Digest() string { return sha256Hex("phone:" + p.s) }

// PhoneClaimStream is the claim stream of a number.
func PhoneClaimStream(p Phone) string { return eventlog.StreamID(PhoneClaimCategory, p.Digest()) }

// PhoneClaimed maps a number (by digest) to its user.
type PhoneClaimed struct {
	PhoneDigest string    `json:"phone_digest"`
	UserID      int64     `json:"user_id"`
	ClaimedAt   time.Time `json:"claimed_at"`
}

// PhoneReleased frees a number.
type PhoneReleased struct {
	PhoneDigest string    `json:"phone_digest"`
	UserID      int64     `json:"user_id"`
	ReleasedAt  time.Time `json:"released_at"`
}

// PhoneChanged sets the user's number: its digest and the number sealed in
// the personal-data vault for "user:<id>" (both empty: no number).
type PhoneChanged struct {
	UserID      int64     `json:"user_id"`
	PhoneDigest string    `json:"phone_digest,omitempty"`
	PhoneRef    string    `json:"phone_ref,omitempty"`
	ChangedAt   time.Time `json:"changed_at"`
}

// TravelInfoUpdated sets 004's gender (0 unset, 1 male, 2 female) and intro.
type TravelInfoUpdated struct {
	UserID    int64     `json:"user_id"`
	Gender    int       `json:"gender"`
	Intro     string    `json:"intro"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EventType implementations.
func (PhoneClaimed) EventType() string      { return EventPhoneClaimed }
func (PhoneReleased) EventType() string     { return EventPhoneReleased }
func (PhoneChanged) EventType() string      { return EventPhoneChanged }
func (TravelInfoUpdated) EventType() string { return EventTravelInfoUpdated }

// ClaimPhone decides claiming a number, like ClaimUsername.
func ClaimPhone(last eventlog.Event, p Phone, user int64, now time.Time, holderAbandoned bool) ([]eventlog.Event, error) {
	c := ClaimFromLast(last)
	if c.HeldBy(user) {
		return nil, nil
	}
	if c.Held && !holderAbandoned {
		return nil, ErrPhoneTaken
	}
	return []eventlog.Event{PhoneClaimed{PhoneDigest: p.Digest(), UserID: user, ClaimedAt: now.UTC()}}, nil
}

// ReleasePhoneDigest frees the number with this digest held by user.
func ReleasePhoneDigest(last eventlog.Event, digest string, user int64, now time.Time) []eventlog.Event {
	if !ClaimFromLast(last).HeldBy(user) {
		return nil
	}
	return []eventlog.Event{PhoneReleased{PhoneDigest: digest, UserID: user, ReleasedAt: now.UTC()}}
}

// PhoneDigest is the digest of the user's number ("" when none).
func (u *User) PhoneDigest() string { return u.phoneDigest }

// ChangePhone decides a new number (claimed and sealed by the caller).
func (u *User) ChangePhone(p Phone, sealed string, now time.Time) []eventlog.Event {
	if (p.IsZero() && u.phoneDigest == "") || (!p.IsZero() && p.Digest() == u.phoneDigest) {
		return nil
	}
	e := PhoneChanged{UserID: u.id, ChangedAt: now.UTC()}
	if !p.IsZero() {
		e.PhoneDigest, e.PhoneRef = p.Digest(), sealed
	}
	return []eventlog.Event{e}
}

// UpdateTravelInfo decides 004's gender and intro.
func (u *User) UpdateTravelInfo(gender int, intro string, now time.Time) ([]eventlog.Event, error) {
	if gender < GenderUnset || gender > GenderFemale {
		return nil, fault.Invalidf("gender", "无效参数")
	}
	if len([]rune(intro)) > MaxIntroLength {
		return nil, fault.Invalidf("intro", "无效参数")
	}
	return []eventlog.Event{TravelInfoUpdated{UserID: u.id, Gender: gender, Intro: intro, UpdatedAt: now.UTC()}}, nil
}
