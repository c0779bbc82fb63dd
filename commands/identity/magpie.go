package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

// APIKeyOf derives user's 003 API key of version: 40 hex characters of
// HMAC-SHA256(secret, "apikey:<id>:<version>"). Only its SHA-256 is stored.
func (h *Handlers) APIKeyOf(userID int64, version int) string {
	m := hmac.New(sha256.New, h.magpieKey)
	fmt.Fprintf(m, "apikey:%d:%d", userID, version)
	return hex.EncodeToString(m.Sum(nil))[:40]
}

// HashAPIKey is the stored digest of an API key.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// SHA1Hex is the lowercase hex SHA-1 of s (003's digest).
func SHA1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ensureAPIKey issues the user's API key when they have none and returns it.
func (h *Handlers) ensureAPIKey(ctx context.Context, userID int64, meta eventlog.Metadata) (string, eventlog.Position, error) {
	key := h.APIKeyOf(userID, 1)
	pos, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.IssueAPIKey(HashAPIKey(key), h.clock.Now())
	})
	if err != nil {
		return "", eventlog.Position{}, err
	}
	u, err := h.loadUser(ctx, userID)
	if err != nil {
		return "", pos, err
	}
	return h.APIKeyOf(userID, u.APIKeyVersion()), pos, nil
}

// AppUser is an account created (or found) from an app's e-mail, with its
// API key.
type AppUser struct {
	User     UserInfo
	APIKey   string
	Created  bool
	Position eventlog.Position
}

// MaxAppUsername is the length of usernames made from e-mail addresses
// (Django's old 30-character limit, as 003's example shows).
const MaxAppUsername = 30

// RegisterFromEmail creates (or finds) the account of an app's e-mail
// address (003).
type RegisterFromEmail struct {
	Meta  eventlog.Metadata
	Email string
}

// RegisterFromEmail returns the account holding the address, or creates one
// without a password whose username is the address cut to 30 characters;
// either way with its API key.
func (h *Handlers) RegisterFromEmail(ctx context.Context, cmd RegisterFromEmail) (AppUser, error) {
	meta := cmd.Meta
	email, err := identity.NewEmail(cmd.Email)
	if err != nil {
		return AppUser{}, err
	}
	if email.IsZero() {
		return AppUser{}, fault.Invalidf("email", "This field may not be blank.")
	}
	out := AppUser{}
	id, found, err := h.emailHolder(ctx, email)
	if err != nil {
		return AppUser{}, err
	}
	if !found {
		name := email.String()
		if utf8.RuneCountInString(name) > MaxAppUsername {
			name = string([]rune(name)[:MaxAppUsername])
		}
		var reg Registered
		for attempt := 0; ; attempt++ {
			username, err := identity.NewUsername(name)
			if err != nil {
				return AppUser{}, err
			}
			reg, err = h.register(ctx, username, email, func(context.Context) (string, error) { return "", nil }, false, meta)
			if err == nil {
				break
			}
			if !errors.Is(err, identity.ErrUsernameTaken) || attempt >= 3 {
				if errors.Is(err, identity.ErrEmailTaken) {
					// A concurrent creation of the same address won.
					return h.RegisterFromEmail(ctx, cmd)
				}
				return AppUser{}, err
			}
			suffix := fmt.Sprintf("-%d", attempt+1)
			base := []rune(email.String())
			if len(base) > MaxAppUsername-len(suffix) {
				base = base[:MaxAppUsername-len(suffix)]
			}
			name = string(base) + suffix
		}
		id, out.Created, out.Position = reg.User.ID, true, reg.Position
	}
	key, pos, err := h.ensureAPIKey(ctx, id, meta)
	if err != nil {
		return AppUser{}, err
	}
	u, err := h.loadUser(ctx, id)
	if err != nil {
		return AppUser{}, err
	}
	out.User, out.APIKey, out.Position = infoOf(u), key, maxPos(out.Position, pos)
	if out.User.Email == "" {
		out.User.Email = email.String()
	}
	return out, nil
}

// AppDigestLogin is 003's SHA1-digest login: api_key_verify must be
// sha1_hex(<API key> + salt_id) for the API key api_key_id (the user id).
// Whether salt_id was used before is the caller's check (it needs a shared
// ledger).
type AppDigestLogin struct {
	Meta   eventlog.Metadata
	KeyID  int64
	Salt   string
	Verify string
}

// AppDigestLogin verifies the digest and appends UserLoggedIn (method
// app_digest). Every failure is ErrBadCredentials. The digest proves the API
// key, a secret: it is checked within the attempt limits of Login (per key,
// per client address; ErrTooManyAttempts beyond them).
func (h *Handlers) AppDigestLogin(ctx context.Context, cmd AppDigestLogin) (LoggedIn, error) {
	meta := cmd.Meta
	if cmd.KeyID <= 0 || cmd.Salt == "" || len(cmd.Verify) != 40 {
		return LoggedIn{}, identity.ErrBadCredentials
	}
	account := userAccount(cmd.KeyID)
	if err := h.attempt(ctx, account, meta.ClientIP); err != nil {
		return LoggedIn{}, err
	}
	u, err := h.loadUser(ctx, cmd.KeyID)
	if errors.Is(err, identity.ErrUserNotFound) {
		return LoggedIn{}, identity.ErrBadCredentials
	}
	if err != nil {
		return LoggedIn{}, err
	}
	if u.APIKeyVersion() == 0 {
		return LoggedIn{}, identity.ErrBadCredentials
	}
	want := SHA1Hex(h.APIKeyOf(u.ID(), u.APIKeyVersion()) + cmd.Salt)
	if subtle.ConstantTimeCompare([]byte(want), []byte(cmd.Verify)) != 1 {
		return LoggedIn{}, identity.ErrBadCredentials
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(u.ID())
	}
	var user *identity.User
	res, err := h.runner.Execute(ctx, identity.UserStream(u.ID()), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		cur, err := identity.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, err
		}
		events, err := cur.LogIn(identity.LoginAppDigest, h.clock.Now())
		if err != nil {
			return nil, err
		}
		user, err = identity.UserFromHistory(append(eventsOf(history), events...))
		return events, err
	})
	if err != nil {
		return LoggedIn{}, err
	}
	h.succeeded(ctx, account)
	return LoggedIn{User: infoOf(user), Position: res.Append.Position}, nil
}
