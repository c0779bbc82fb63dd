package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// SocialClaimCategory is the category of provider-account claims:
// "socialaccount-<provider>_<sha256 of provider and external id>", so that
// one provider account is bound to at most one user.
const SocialClaimCategory = "socialaccount"

// Wire names of the provider-account claims.
const (
	EventSocialAccountClaimed  = "SocialAccountClaimed_v1"
	EventSocialAccountReleased = "SocialAccountReleased_v1"
	LoginWeChat                = "wechat"
)

// ErrSocialTaken refuses binding a provider account bound to another user.
var ErrSocialTaken = &fault.Error{Kind: fault.Conflict, Code: "SOCIAL_TAKEN", Field: "code", Message: "该账号已绑定其他用户"}

// ExternalDigest is the digest of a provider's user id (openid).
func ExternalDigest(provider, externalID string) string {
	return sha256Hex(provider + ":" + externalID)
}

// SocialClaimStream is the claim stream of a provider account.
func SocialClaimStream(provider, digest string) string {
	return eventlog.StreamID(SocialClaimCategory, provider+"_"+digest)
}

// SocialAccountClaimed maps a provider account to its user.
type SocialAccountClaimed struct {
	Provider       string    `json:"provider"`
	ExternalDigest string    `json:"external_digest"`
	UserID         int64     `json:"user_id"`
	ClaimedAt      time.Time `json:"claimed_at"`
}

// SocialAccountReleased frees a provider account.
type SocialAccountReleased struct {
	Provider       string    `json:"provider"`
	ExternalDigest string    `json:"external_digest"`
	UserID         int64     `json:"user_id"`
	ReleasedAt     time.Time `json:"released_at"`
}

// EventType implementations.
func (SocialAccountClaimed) EventType() string  { return EventSocialAccountClaimed }
func (SocialAccountReleased) EventType() string { return EventSocialAccountReleased }

// ClaimSocial decides claiming a provider account for user.
func ClaimSocial(last eventlog.Event, provider, digest string, user int64, now time.Time) ([]eventlog.Event, error) {
	c := ClaimFromLast(last)
	if c.HeldBy(user) {
		return nil, nil
	}
	if c.Held {
		return nil, ErrSocialTaken
	}
	return []eventlog.Event{SocialAccountClaimed{Provider: provider, ExternalDigest: digest, UserID: user, ClaimedAt: now.UTC()}}, nil
}

// ReleaseSocial frees a provider account held by user.
func ReleaseSocial(last eventlog.Event, provider, digest string, user int64, now time.Time) []eventlog.Event {
	if !ClaimFromLast(last).HeldBy(user) {
		return nil
	}
	return []eventlog.Event{SocialAccountReleased{Provider: provider, ExternalDigest: digest, UserID: user, ReleasedAt: now.UTC()}}
}
