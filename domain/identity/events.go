package identity

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Wire names of the identity events.
const (
	EventUserRegistered      = "UserRegistered_v2"
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

// EventUserRegisteredV1 is the wire name of the first version of
// UserRegistered, still in old logs: {"user_id", "username", "email",
// "password_hash", "registered_at"}, the address in clear. The codec upcasts
// it to UserRegistered_v2 when it is read (UpcastUserRegisteredV1).
const EventUserRegisteredV1 = "UserRegistered_v1"

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
		PersonalDataErased{},
	}
}

// UserRegistered starts a user's stream ("user-<id>").
//
// Version 2: the address given at registration is personal data, so the
// event carries, as EmailChanged does, its digest (EmailDigest, for the
// claim stream and lookups) and EmailRef, the address sealed in the
// personal-data vault for the subject "user:<id>"; erasing the subject makes
// it unreadable. Both are empty for accounts created without an address
// (OAuth, WeChat).
//
// LegacyEmail is set only in events upcast from UserRegistered_v1, which
// held the address in clear; new registrations never write it.
type UserRegistered struct {
	UserID      int64  `json:"user_id"`
	Username    string `json:"username"`
	EmailDigest string `json:"email_digest,omitempty"`
	EmailRef    string `json:"email_ref,omitempty"`
	LegacyEmail string `json:"legacy_email,omitempty"`
	// PasswordHash is an argon2id PHC string ("$argon2id$…" over the
	// password, "$argon2id-md5$…" over its md5 hex for accounts of 004's
	// app: commands/identity/password_form.go); empty for accounts without
	// a password (OAuth-only accounts).
	PasswordHash string    `json:"password_hash,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
}

// UpcastUserRegisteredV1 turns a UserRegistered_v1 payload into
// UserRegistered_v2: "email" becomes LegacyEmail and EmailDigest is derived
// from it (the digest the claim stream was named with). It is pure, so the
// codec (transport/eventstore/codec) registers it as is.
func UpcastUserRegisteredV1(data []byte) (string, []byte, error) {
	var v1 struct {
		UserID       int64     `json:"user_id"`
		Username     string    `json:"username"`
		Email        string    `json:"email,omitempty"`
		PasswordHash string    `json:"password_hash,omitempty"`
		RegisteredAt time.Time `json:"registered_at"`
	}
	if err := json.Unmarshal(data, &v1); err != nil {
		return "", nil, fmt.Errorf("identity: upcast %s: %w", EventUserRegisteredV1, err)
	}
	v2 := UserRegistered{UserID: v1.UserID, Username: v1.Username, LegacyEmail: v1.Email,
		PasswordHash: v1.PasswordHash, RegisteredAt: v1.RegisteredAt}
	if v1.Email != "" {
		v2.EmailDigest = EmailDigest(v1.Email)
	}
	out, err := json.Marshal(v2)
	if err != nil {
		return "", nil, fmt.Errorf("identity: upcast %s: %w", EventUserRegisteredV1, err)
	}
	return EventUserRegistered, out, nil
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
