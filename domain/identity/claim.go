package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// DefaultClaimGrace is how long a claim whose holder never registered (the
// registering process died between claiming and registering) blocks the name.
const DefaultClaimGrace = time.Minute

// Claim is the state of a claim stream ("username-…", "useremail-…"), carried
// by its last event.
type Claim struct {
	Held      bool
	Holder    int64
	ClaimedAt time.Time
}

// ClaimFromLast reads a claim stream's last event (nil: never claimed).
func ClaimFromLast(last eventlog.Event) Claim {
	switch e := last.(type) {
	case UsernameClaimed:
		return Claim{Held: true, Holder: e.UserID, ClaimedAt: e.ClaimedAt}
	case EmailClaimed:
		return Claim{Held: true, Holder: e.UserID, ClaimedAt: e.ClaimedAt}
	case PhoneClaimed:
		return Claim{Held: true, Holder: e.UserID, ClaimedAt: e.ClaimedAt}
	case SocialAccountClaimed:
		return Claim{Held: true, Holder: e.UserID, ClaimedAt: e.ClaimedAt}
	}
	return Claim{}
}

// HeldBy reports whether the claim is held by user.
func (c Claim) HeldBy(user int64) bool { return c.Held && c.Holder == user }

// Abandoned reports whether a held claim may be taken over: its holder never
// registered (holderRegistered false) and the claim is older than grace.
func (c Claim) Abandoned(holderRegistered bool, now time.Time, grace time.Duration) bool {
	return c.Held && !holderRegistered && now.Sub(c.ClaimedAt) >= grace
}

// ClaimUsername decides claiming username for user over the claim stream's
// last event. Claiming a name one already holds is a no-op; a name held by
// another user is ErrUsernameTaken unless holderAbandoned (see
// Claim.Abandoned).
func ClaimUsername(last eventlog.Event, username Username, user int64, now time.Time, holderAbandoned bool) ([]eventlog.Event, error) {
	c := ClaimFromLast(last)
	if c.HeldBy(user) {
		return nil, nil
	}
	if c.Held && !holderAbandoned {
		return nil, ErrUsernameTaken
	}
	return []eventlog.Event{UsernameClaimed{Username: username.Key(), UserID: user, ClaimedAt: now.UTC()}}, nil
}

// ReleaseUsername frees a username held by user; otherwise it is a no-op.
func ReleaseUsername(last eventlog.Event, username Username, user int64, now time.Time) []eventlog.Event {
	if !ClaimFromLast(last).HeldBy(user) {
		return nil
	}
	return []eventlog.Event{UsernameReleased{Username: username.Key(), UserID: user, ReleasedAt: now.UTC()}}
}

// ClaimEmail decides claiming an e-mail address, like ClaimUsername.
func ClaimEmail(last eventlog.Event, email Email, user int64, now time.Time, holderAbandoned bool) ([]eventlog.Event, error) {
	c := ClaimFromLast(last)
	if c.HeldBy(user) {
		return nil, nil
	}
	if c.Held && !holderAbandoned {
		return nil, ErrEmailTaken
	}
	return []eventlog.Event{EmailClaimed{EmailDigest: email.Digest(), UserID: user, ClaimedAt: now.UTC()}}, nil
}

// ReleaseEmail frees an e-mail address held by user; otherwise it is a no-op.
func ReleaseEmail(last eventlog.Event, email Email, user int64, now time.Time) []eventlog.Event {
	return ReleaseEmailDigest(last, email.Digest(), user, now)
}

// ReleaseEmailDigest frees the address with this digest, held by user.
func ReleaseEmailDigest(last eventlog.Event, digest string, user int64, now time.Time) []eventlog.Event {
	if !ClaimFromLast(last).HeldBy(user) {
		return nil
	}
	return []eventlog.Event{EmailReleased{EmailDigest: digest, UserID: user, ReleasedAt: now.UTC()}}
}
