package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Social-account providers.
const (
	ProviderQQ     = "qq"
	ProviderAcWing = "acwing"
	ProviderWeChat = "wechat"
)

// ValidProvider reports whether p is a known provider.
func ValidProvider(p string) bool {
	return p == ProviderQQ || p == ProviderAcWing || p == ProviderWeChat
}

// Errors of account changes.
var (
	ErrLastLoginMethod = &fault.Error{Kind: fault.Invalid, Code: "LAST_LOGIN_METHOD", Message: "至少保留一种登录方式"}
	ErrNotBound        = &fault.Error{Kind: fault.Invalid, Code: "NOT_BOUND", Message: "该账号未绑定"}
	ErrAlreadyBound    = &fault.Error{Kind: fault.Conflict, Code: "ALREADY_BOUND", Message: "该账号已绑定"}
)

// UsernameChanged renames a user (the new name was claimed first, the old
// one is released after).
type UsernameChanged struct {
	UserID    int64     `json:"user_id"`
	Username  string    `json:"username"`
	Previous  string    `json:"previous"`
	ChangedAt time.Time `json:"changed_at"`
}

// EmailChanged replaces a user's address. The address itself is personal
// data: the event carries its digest and EmailRef, the address sealed in the
// personal-data vault for the subject "user:<id>" (empty address: both
// empty). Erasing the subject makes every EmailRef unreadable.
type EmailChanged struct {
	UserID      int64     `json:"user_id"`
	EmailDigest string    `json:"email_digest,omitempty"`
	EmailRef    string    `json:"email_ref,omitempty"`
	ChangedAt   time.Time `json:"changed_at"`
}

// SocialAccountBound links a provider account to the user. ExternalDigest
// is the SHA-256 of the provider's user id (openid, AcWing id); nickname and
// avatar are what the provider shows publicly.
type SocialAccountBound struct {
	UserID         int64     `json:"user_id"`
	Provider       string    `json:"provider"`
	ExternalDigest string    `json:"external_digest"`
	Nickname       string    `json:"nickname"`
	AvatarURL      string    `json:"avatar_url"`
	BoundAt        time.Time `json:"bound_at"`
}

// SocialAccountUnbound removes a provider link.
type SocialAccountUnbound struct {
	UserID         int64     `json:"user_id"`
	Provider       string    `json:"provider"`
	ExternalDigest string    `json:"external_digest"`
	UnboundAt      time.Time `json:"unbound_at"`
}

// SocialAccount is a bound provider account.
type SocialAccount struct {
	Provider       string
	ExternalDigest string
	Nickname       string
	AvatarURL      string
}

// ChangeUsername decides a rename (the new name is claimed by the caller).
func (u *User) ChangeUsername(to Username, now time.Time) []eventlog.Event {
	if to.String() == u.username {
		return nil
	}
	return []eventlog.Event{UsernameChanged{UserID: u.id, Username: to.String(), Previous: u.username, ChangedAt: now.UTC()}}
}

// ChangeEmail decides a new address (claimed and sealed by the caller).
func (u *User) ChangeEmail(to Email, sealed string, now time.Time) []eventlog.Event {
	if (to.IsZero() && u.emailDigest == "") || (!to.IsZero() && to.Digest() == u.emailDigest) {
		return nil
	}
	e := EmailChanged{UserID: u.id, ChangedAt: now.UTC()}
	if !to.IsZero() {
		e.EmailDigest, e.EmailRef = to.Digest(), sealed
	}
	return []eventlog.Event{e}
}

// SocialAccounts lists the user's bound accounts.
func (u *User) SocialAccounts() []SocialAccount {
	var out []SocialAccount
	for _, p := range []string{ProviderQQ, ProviderAcWing, ProviderWeChat} {
		if s, ok := u.social[p]; ok {
			out = append(out, s)
		}
	}
	return out
}

// BindSocialAccount links a provider account (one per provider).
func (u *User) BindSocialAccount(s SocialAccount, now time.Time) ([]eventlog.Event, error) {
	if !ValidProvider(s.Provider) || s.ExternalDigest == "" {
		return nil, fault.Invalidf("provider", "unknown provider %q", s.Provider)
	}
	if cur, ok := u.social[s.Provider]; ok {
		if cur.ExternalDigest == s.ExternalDigest {
			return nil, nil
		}
		return nil, ErrAlreadyBound
	}
	return []eventlog.Event{SocialAccountBound{UserID: u.id, Provider: s.Provider, ExternalDigest: s.ExternalDigest,
		Nickname: s.Nickname, AvatarURL: s.AvatarURL, BoundAt: now.UTC()}}, nil
}

// UnbindSocialAccount removes a provider link, unless it is the user's last
// way to log in (no password and no other binding): ErrLastLoginMethod.
func (u *User) UnbindSocialAccount(provider string, now time.Time) ([]eventlog.Event, error) {
	cur, ok := u.social[provider]
	if !ok {
		return nil, ErrNotBound
	}
	if u.passwordHash == "" && len(u.social) == 1 {
		return nil, ErrLastLoginMethod
	}
	return []eventlog.Event{SocialAccountUnbound{UserID: u.id, Provider: provider, ExternalDigest: cur.ExternalDigest, UnboundAt: now.UTC()}}, nil
}

// UpdateContactInfo decides a new address-book entry (validated, then
// sealed by the caller into sealed).
func (u *User) UpdateContactInfo(sealed string, now time.Time) ([]eventlog.Event, error) {
	if !u.active {
		return nil, ErrUserInactive
	}
	if sealed == "" {
		return nil, fault.Invalidf("", "empty contact info reference")
	}
	return []eventlog.Event{ContactInfoUpdated{UserID: u.id, DataRef: sealed, UpdatedAt: now.UTC()}}, nil
}
