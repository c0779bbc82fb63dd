package identity

import (
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// User is the aggregate of one account and its credentials. Its state is
// rebuilt from the stream "user-<id>" by UserFromHistory; its decisions return
// the events to append and never change the user themselves.
type User struct {
	id            int64
	username      string
	email         string
	passwordHash  string
	admin         bool
	active        bool
	joinedAt      time.Time
	lastLogin     time.Time
	token         *APIToken
	revokedJTIs   map[string]time.Time
	verified      string // digest of the verified address
	emailDigest   string // digest of the current address ("" when none)
	phoneDigest   string
	apiKeyVersion int
	apiKeyHash    string
	social        map[string]SocialAccount
	// emailDigests are the digests of every address the user held.
	emailDigests []string
	erased       bool
}

// APIToken is a user's current "Authorization: Token" credential as the user
// stream knows it (its usage lives on the token's own stream).
type APIToken struct {
	ID       string
	UserID   int64
	KeyHash  string
	IssuedAt time.Time
}

// ActorOf returns the actor a user is as its stream knows it: an
// administrator only while the account is active. Decisions that need an
// actor (the admin role, profile edits) take it in the shared form of
// domain/access; the system applying the bootstrap settings is access.System.
func ActorOf(u *User) access.Actor {
	return access.Actor{UserID: u.id, Username: u.username, Admin: u.admin && u.active}
}

// Register decides the registration of a new user with an allocated id. The
// username and e-mail must already be claimed by the caller (see Claim), the
// address sealed by the caller into emailRef (for the subject
// UserDataSubject(id)); the password hash is computed by the caller (empty:
// no password).
func Register(id int64, username Username, email Email, emailRef string, passwordHash string, now time.Time) ([]eventlog.Event, error) {
	if id <= 0 {
		return nil, fmt.Errorf("identity: register with non-positive id %d", id)
	}
	if username.IsZero() {
		return nil, fault.Invalidf("username", "This field may not be blank.")
	}
	if email.IsZero() != (emailRef == "") {
		return nil, fmt.Errorf("identity: register user %d: an address needs its sealed reference and only it", id)
	}
	e := UserRegistered{UserID: id, Username: username.String(), PasswordHash: passwordHash, RegisteredAt: now.UTC()}
	if !email.IsZero() {
		e.EmailDigest, e.EmailRef = email.Digest(), emailRef
	}
	return []eventlog.Event{e}, nil
}

// UserFromHistory rebuilds a user from the events of its stream. A stream
// without UserRegistered gives ErrUserNotFound. Registrations of either
// version work: v1 events arrive upcast, their address in LegacyEmail.
func UserFromHistory(history []eventlog.Event) (*User, error) {
	var u *User
	for _, e := range history {
		if r, ok := e.(UserRegistered); ok && u == nil {
			u = &User{id: r.UserID, username: r.Username, email: r.LegacyEmail, emailDigest: r.EmailDigest,
				passwordHash: r.PasswordHash, active: true, joinedAt: r.RegisteredAt,
				revokedJTIs: map[string]time.Time{}, social: map[string]SocialAccount{}}
			if u.emailDigest == "" && r.LegacyEmail != "" {
				u.emailDigest = EmailDigest(r.LegacyEmail)
			}
			if u.emailDigest != "" {
				u.emailDigests = append(u.emailDigests, u.emailDigest)
			}
			continue
		}
		if u != nil {
			u.apply(e)
		}
	}
	if u == nil {
		return nil, ErrUserNotFound
	}
	return u, nil
}

func (u *User) apply(e eventlog.Event) {
	switch e := e.(type) {
	case PersonalDataErased:
		u.erased = true
	case PasswordChanged:
		u.passwordHash = e.PasswordHash
	case UserLoggedIn:
		u.lastLogin = e.LoggedInAt
	case AdminGranted:
		u.admin = true
	case AdminRevoked:
		u.admin = false
	case APITokenIssued:
		u.token = &APIToken{ID: e.TokenID, UserID: u.id, KeyHash: e.KeyHash, IssuedAt: e.IssuedAt}
	case APITokenRevoked:
		if u.token != nil && u.token.ID == e.TokenID {
			u.token = nil
		}
	case RefreshTokenRevoked:
		u.revokedJTIs[e.JTI] = e.ExpiresAt
	case EmailVerified:
		u.verified = e.EmailDigest
	case UsernameChanged:
		u.username = e.Username
	case EmailChanged:
		// The address itself is sealed in the vault; the aggregate knows
		// its digest only.
		u.email = ""
		u.emailDigest = e.EmailDigest
		if e.EmailDigest != "" {
			u.emailDigests = append(u.emailDigests, e.EmailDigest)
		}
	case SocialAccountBound:
		u.social[e.Provider] = SocialAccount{Provider: e.Provider, ExternalDigest: e.ExternalDigest, Nickname: e.Nickname, AvatarURL: e.AvatarURL}
	case SocialAccountUnbound:
		delete(u.social, e.Provider)
	case PhoneChanged:
		u.phoneDigest = e.PhoneDigest
	case APIKeyIssued:
		u.apiKeyVersion, u.apiKeyHash = e.Version, e.KeyHash
	}
}

// Accessors.
func (u *User) ID() int64             { return u.id }
func (u *User) Username() string      { return u.username }
func (u *User) Email() string         { return u.email } // registered by v1 in clear; "" when sealed (v2, EmailChanged)
func (u *User) IsAdmin() bool         { return u.admin }
func (u *User) IsActive() bool        { return u.active }
func (u *User) HasPassword() bool     { return u.passwordHash != "" }
func (u *User) DateJoined() time.Time { return u.joinedAt }
func (u *User) LastLogin() time.Time  { return u.lastLogin }
func (u *User) Stream() string        { return UserStream(u.id) }

// CheckPassword reports whether the user may log in with a password that
// matches (matches compares the password given against the stored PHC hash;
// hashing is the caller's because it is not pure computation we want here).
// Every failure is ErrBadCredentials or ErrUserInactive, never which part was
// wrong.
func (u *User) CheckPassword(matches func(passwordHash string) bool) error {
	if u.passwordHash == "" || !matches(u.passwordHash) {
		return ErrBadCredentials
	}
	if !u.active {
		return ErrUserInactive
	}
	return nil
}

// PasswordHash returns the stored PHC hash for the caller's verifier.
func (u *User) PasswordHash() string { return u.passwordHash }

// LogIn records a successful login by method (after the credential was
// checked).
func (u *User) LogIn(method string, now time.Time) ([]eventlog.Event, error) {
	if !u.active {
		return nil, ErrUserInactive
	}
	if method == "" {
		method = LoginPassword
	}
	return []eventlog.Event{UserLoggedIn{UserID: u.id, Method: method, LoggedInAt: now.UTC()}}, nil
}

// ChangePassword replaces the password hash (the new password was validated
// with ValidatePassword and hashed by the caller).
func (u *User) ChangePassword(newHash string, now time.Time) ([]eventlog.Event, error) {
	return u.changePassword(newHash, PasswordReasonChange, now)
}

// RehashPassword stores a stronger hash of the same password.
func (u *User) RehashPassword(newHash string, now time.Time) ([]eventlog.Event, error) {
	return u.changePassword(newHash, PasswordReasonRehash, now)
}

// ResetPassword sets a password after the owner of the address proved it
// (a used verification token); it also gives a password to accounts that had
// none.
func (u *User) ResetPassword(newHash string, now time.Time) ([]eventlog.Event, error) {
	if !u.active {
		return nil, ErrUserInactive
	}
	return u.changePassword(newHash, PasswordReasonReset, now)
}

func (u *User) changePassword(newHash, reason string, now time.Time) ([]eventlog.Event, error) {
	if newHash == "" {
		return nil, fault.Invalidf("password", "This field may not be blank.")
	}
	return []eventlog.Event{PasswordChanged{UserID: u.id, PasswordHash: newHash, Reason: reason, ChangedAt: now.UTC()}}, nil
}

// EmailVerifiedNow reports whether the user's current address was verified.
func (u *User) EmailVerifiedNow() bool { return u.emailDigest != "" && u.verified == u.emailDigest }

// EmailDigest is the digest of the current address ("" when none).
func (u *User) EmailDigest() string { return u.emailDigest }

// VerifyEmail marks the user's current address verified; digest is the
// address whose code was verified. Another address, or an address already
// verified, is a no-op.
func (u *User) VerifyEmail(digest string, now time.Time) []eventlog.Event {
	if u.emailDigest == "" || digest != u.emailDigest || u.verified == digest {
		return nil
	}
	return []eventlog.Event{EmailVerified{UserID: u.id, EmailDigest: digest, VerifiedAt: now.UTC()}}
}

// GrantAdmin gives the user the admin role; only an admin or the system may.
// Granting it to an admin is a no-op.
func (u *User) GrantAdmin(by access.Actor, now time.Time) ([]eventlog.Event, error) {
	if !by.System && !by.Admin {
		return nil, ErrAdminRequired
	}
	if u.admin {
		return nil, nil
	}
	e := AdminGranted{UserID: u.id, GrantedAt: now.UTC()}
	if by.System {
		e.Reason = "bootstrap"
	} else {
		e.GrantedBy = by.UserID
	}
	return []eventlog.Event{e}, nil
}

// RevokeAdmin takes the admin role away; only an admin may, and not from
// themselves (so that the last admin cannot lock everyone out by mistake).
// Revoking it from a non-admin is a no-op.
func (u *User) RevokeAdmin(by access.Actor, now time.Time) ([]eventlog.Event, error) {
	if !by.System && !by.Admin {
		return nil, ErrAdminRequired
	}
	if !by.System && by.UserID == u.id {
		return nil, ErrRevokeOwnAdmin
	}
	if !u.admin {
		return nil, nil
	}
	return []eventlog.Event{AdminRevoked{UserID: u.id, RevokedBy: by.UserID, RevokedAt: now.UTC()}}, nil
}

// CurrentAPIToken returns the user's current API token, if one was issued
// and not revoked. Whether it has expired depends on its usage (TokenExpired).
func (u *User) CurrentAPIToken() (APIToken, bool) {
	if u.token == nil {
		return APIToken{}, false
	}
	return *u.token, true
}

// IssueAPIToken issues a new API token (its id chosen and its key hashed by
// the caller); the current one, if any, is revoked with replacedReason
// (RevokeSuperseded or RevokeExpired). A user holds one token at a time, as
// with DRF's Token model.
func (u *User) IssueAPIToken(tokenID, keyHash, replacedReason string, now time.Time) ([]eventlog.Event, error) {
	if !u.active {
		return nil, ErrUserInactive
	}
	if tokenID == "" || len(keyHash) != 64 {
		return nil, fmt.Errorf("identity: issue API token: bad id %q or key hash", tokenID)
	}
	var out []eventlog.Event
	if u.token != nil {
		if replacedReason == "" {
			replacedReason = RevokeSuperseded
		}
		out = append(out, APITokenRevoked{UserID: u.id, TokenID: u.token.ID, Reason: replacedReason, RevokedAt: now.UTC()})
	}
	out = append(out, APITokenIssued{UserID: u.id, TokenID: tokenID, KeyHash: keyHash, IssuedAt: now.UTC()})
	return out, nil
}

// RevokeAPIToken revokes the user's token tokenID; a token that is not the
// current one is a no-op.
func (u *User) RevokeAPIToken(tokenID, reason string, now time.Time) ([]eventlog.Event, error) {
	if u.token == nil || u.token.ID != tokenID {
		return nil, nil
	}
	return []eventlog.Event{APITokenRevoked{UserID: u.id, TokenID: tokenID, Reason: reason, RevokedAt: now.UTC()}}, nil
}

// CheckRefresh reports whether a refresh token with jti may still be used
// by this user (the token's signature and expiry were checked by the caller).
func (u *User) CheckRefresh(jti string) error {
	if !u.active {
		return ErrUserInactive
	}
	if _, revoked := u.revokedJTIs[jti]; revoked {
		return ErrTokenRevoked
	}
	return nil
}

// RevokeRefreshToken blacklists a refresh token until expiresAt. Revoking a
// revoked or already expired token is a no-op.
func (u *User) RevokeRefreshToken(jti string, expiresAt, now time.Time) ([]eventlog.Event, error) {
	if jti == "" {
		return nil, ErrTokenInvalid
	}
	if _, revoked := u.revokedJTIs[jti]; revoked || !now.Before(expiresAt) {
		return nil, nil
	}
	return []eventlog.Event{RefreshTokenRevoked{UserID: u.id, JTI: jti, ExpiresAt: expiresAt.UTC(), RevokedAt: now.UTC()}}, nil
}
