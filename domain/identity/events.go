package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Wire names of the identity events.
const (
	EventUserRegistered      = "UserRegistered_v1"
	EventPasswordChanged     = "PasswordChanged_v1"
	EventUserLoggedIn        = "UserLoggedIn_v1"
	EventAdminGranted        = "AdminGranted_v1"
	EventAdminRevoked        = "AdminRevoked_v1"
	EventAPITokenIssued      = "APITokenIssued_v1"
	EventAPITokenUsed        = "APITokenUsed_v1"
	EventAPITokenRevoked     = "APITokenRevoked_v1"
	EventRefreshTokenRevoked = "RefreshTokenRevoked_v1"
	EventUsernameClaimed     = "UsernameClaimed_v1"
	EventUsernameReleased    = "UsernameReleased_v1"
	EventEmailClaimed        = "EmailClaimed_v1"
	EventEmailReleased       = "EmailReleased_v1"

	EventVerificationCodeRequested = "VerificationCodeRequested_v1"
	EventVerificationCodeRejected  = "VerificationCodeRejected_v1"
	EventVerificationCodeVerified  = "VerificationCodeVerified_v1"
	EventVerificationTokenUsed     = "VerificationTokenUsed_v1"
	EventEmailVerified             = "EmailVerified_v1"
	EventUsernameChanged           = "UsernameChanged_v1"
	EventEmailChanged              = "EmailChanged_v1"
	EventSocialAccountBound        = "SocialAccountBound_v1"
	EventSocialAccountUnbound      = "SocialAccountUnbound_v1"
)

// Events lists the prototypes of every identity event for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		UserRegistered{}, PasswordChanged{}, UserLoggedIn{},
		AdminGranted{}, AdminRevoked{},
		APITokenIssued{}, APITokenUsed{}, APITokenRevoked{},
		RefreshTokenRevoked{},
		UsernameClaimed{}, UsernameReleased{}, EmailClaimed{}, EmailReleased{},
		VerificationCodeRequested{}, VerificationCodeRejected{}, VerificationCodeVerified{},
		VerificationTokenUsed{}, EmailVerified{},
		UsernameChanged{}, EmailChanged{}, SocialAccountBound{}, SocialAccountUnbound{},
		ContactInfoUpdated{}, ProfileUpdated{}, AvatarChanged{},
		PhoneClaimed{}, PhoneReleased{}, PhoneChanged{}, TravelInfoUpdated{},
		APIKeyIssued{}, SocialAccountClaimed{}, SocialAccountReleased{},
	}
}

// UserRegistered starts a user's stream ("user-<id>").
//
// Email is personal data kept in the payload for now; the later account issue
// moves it to an erasable store (see the package documentation). Email may be
// empty (accounts created without one, e.g. by OAuth later).
type UserRegistered struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Email    string `json:"email,omitempty"`
	// PasswordHash is an argon2id PHC string; empty for accounts without a
	// password (OAuth-only accounts, later).
	PasswordHash string    `json:"password_hash,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
}

// PasswordChanged replaces the user's password hash. Reason is how
// (PasswordReasonChange, PasswordReasonReset, PasswordReasonRehash); empty in
// events written before it existed.
type PasswordChanged struct {
	UserID       int64     `json:"user_id"`
	PasswordHash string    `json:"password_hash"`
	Reason       string    `json:"reason,omitempty"`
	ChangedAt    time.Time `json:"changed_at"`
}

// Reasons of PasswordChanged.
const (
	PasswordReasonChange = "change"
	PasswordReasonReset  = "reset"
	PasswordReasonRehash = "rehash"
)

// Login methods recorded in UserLoggedIn.
const (
	LoginPassword = "password"
)

// UserLoggedIn records a successful login (it sets the read model's
// last_login, as Django does).
type UserLoggedIn struct {
	UserID     int64     `json:"user_id"`
	Method     string    `json:"method"`
	LoggedInAt time.Time `json:"logged_in_at"`
}

// AdminGranted gives the user the admin role. GrantedBy is the granting
// admin's id, 0 when the bootstrap settings granted it.
type AdminGranted struct {
	UserID    int64     `json:"user_id"`
	GrantedBy int64     `json:"granted_by,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	GrantedAt time.Time `json:"granted_at"`
}

// AdminRevoked takes the admin role away.
type AdminRevoked struct {
	UserID    int64     `json:"user_id"`
	RevokedBy int64     `json:"revoked_by,omitempty"`
	RevokedAt time.Time `json:"revoked_at"`
}

// APITokenIssued records a new "Authorization: Token <key>" credential of the
// user. Only the SHA-256 digest of the key is stored, never the key.
type APITokenIssued struct {
	UserID   int64     `json:"user_id"`
	TokenID  string    `json:"token_id"`
	KeyHash  string    `json:"key_hash"`
	IssuedAt time.Time `json:"issued_at"`
}

// APITokenUsed records, coarsely (at most once per TokenTouchInterval), that
// a token was used; it slides the token's expiry. It lives on the token's own
// stream ("apitoken-<token id>").
type APITokenUsed struct {
	TokenID string    `json:"token_id"`
	UserID  int64     `json:"user_id"`
	UsedAt  time.Time `json:"used_at"`
}

// Reasons of APITokenRevoked.
const (
	RevokeSuperseded = "superseded" // a new token replaced it
	RevokeExpired    = "expired"    // replaced after it had expired
	RevokeLogout     = "logout"
)

// APITokenRevoked ends an API token.
type APITokenRevoked struct {
	UserID    int64     `json:"user_id"`
	TokenID   string    `json:"token_id"`
	Reason    string    `json:"reason"`
	RevokedAt time.Time `json:"revoked_at"`
}

// RefreshTokenRevoked blacklists one JWT refresh token by its jti until it
// would have expired anyway.
type RefreshTokenRevoked struct {
	UserID    int64     `json:"user_id"`
	JTI       string    `json:"jti"`
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at"`
}

// UsernameClaimed maps a username (lowercased) to the user holding it, on the
// stream "username-<lowercased>".
type UsernameClaimed struct {
	Username  string    `json:"username"`
	UserID    int64     `json:"user_id"`
	ClaimedAt time.Time `json:"claimed_at"`
}

// UsernameReleased frees a username (renamed user, failed registration).
type UsernameReleased struct {
	Username   string    `json:"username"`
	UserID     int64     `json:"user_id"`
	ReleasedAt time.Time `json:"released_at"`
}

// EmailClaimed maps an e-mail address to the user holding it, on the stream
// "useremail-<digest>". It holds the digest, not the address.
type EmailClaimed struct {
	EmailDigest string    `json:"email_digest"`
	UserID      int64     `json:"user_id"`
	ClaimedAt   time.Time `json:"claimed_at"`
}

// EmailReleased frees an e-mail address.
type EmailReleased struct {
	EmailDigest string    `json:"email_digest"`
	UserID      int64     `json:"user_id"`
	ReleasedAt  time.Time `json:"released_at"`
}

// EventType implementations.
func (UserRegistered) EventType() string            { return EventUserRegistered }
func (PasswordChanged) EventType() string           { return EventPasswordChanged }
func (UserLoggedIn) EventType() string              { return EventUserLoggedIn }
func (AdminGranted) EventType() string              { return EventAdminGranted }
func (AdminRevoked) EventType() string              { return EventAdminRevoked }
func (APITokenIssued) EventType() string            { return EventAPITokenIssued }
func (APITokenUsed) EventType() string              { return EventAPITokenUsed }
func (APITokenRevoked) EventType() string           { return EventAPITokenRevoked }
func (RefreshTokenRevoked) EventType() string       { return EventRefreshTokenRevoked }
func (UsernameClaimed) EventType() string           { return EventUsernameClaimed }
func (UsernameReleased) EventType() string          { return EventUsernameReleased }
func (EmailClaimed) EventType() string              { return EventEmailClaimed }
func (EmailReleased) EventType() string             { return EventEmailReleased }
func (VerificationCodeRequested) EventType() string { return EventVerificationCodeRequested }
func (VerificationCodeRejected) EventType() string  { return EventVerificationCodeRejected }
func (VerificationCodeVerified) EventType() string  { return EventVerificationCodeVerified }
func (VerificationTokenUsed) EventType() string     { return EventVerificationTokenUsed }
func (EmailVerified) EventType() string             { return EventEmailVerified }
func (UsernameChanged) EventType() string           { return EventUsernameChanged }
func (EmailChanged) EventType() string              { return EventEmailChanged }
func (SocialAccountBound) EventType() string        { return EventSocialAccountBound }
func (SocialAccountUnbound) EventType() string      { return EventSocialAccountUnbound }
