package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// Login checks a password login. Identifier is a username or, failing
// that, an e-mail address.
type Login struct {
	Meta       eventlog.Metadata
	Identifier string
	Password   string
}

// LoggedIn is the user who logged in and where UserLoggedIn landed.
type LoggedIn struct {
	User     UserInfo
	Position eventlog.Position
}

// Login verifies the password against the argon2id hash in the user's
// stream and appends UserLoggedIn. Unknown user, wrong password and inactive
// account all answer ErrBadCredentials-like faults (Unauthenticated) and take
// about the same time. Beyond the attempt limits (per account, per client
// address) it is ErrTooManyAttempts and the password is not checked.
func (h *Handlers) Login(ctx context.Context, cmd Login) (LoggedIn, error) {
	return h.login(ctx, cmd.Meta, cmd.Identifier, plainSecret(cmd.Password))
}

// login is Login with the password in any form.
func (h *Handlers) login(ctx context.Context, meta eventlog.Metadata, identifier string, s secret) (LoggedIn, error) {
	user, res, err := h.passwordLogin(ctx, identifier, s, meta, nil)
	if err != nil {
		return LoggedIn{}, err
	}
	return LoggedIn{User: infoOf(user), Position: res}, nil
}

// passwordLogin authenticates and appends UserLoggedIn plus whatever more
// decides (called with the authenticated user, on every attempt of the
// command loop).
func (h *Handlers) passwordLogin(ctx context.Context, identifier string, password secret, meta eventlog.Metadata,
	more func(u *identity.User) ([]eventlog.Event, error)) (*identity.User, eventlog.Position, error) {
	id, found, err := h.resolveLogin(ctx, identifier)
	if err != nil {
		return nil, eventlog.Position{}, err
	}
	return h.passwordLoginUser(ctx, loginTarget{id: id, found: found, identifier: identifier}, password, meta, more)
}

// loginTarget is the account a login names: its user id (found false:
// nobody) and the identifier the client gave, which names the attempt
// count.
type loginTarget struct {
	id         int64
	found      bool
	identifier string
}

// account is the attempt limiter's key of the target: the identifier as
// given (normalised), counted before it is resolved, so that an unknown
// name is limited like a known one.
func (t loginTarget) account() string { return nameAccount(t.identifier) }

// passwordLoginUser asks the attempt limiter, checks the password of the
// target and appends the login; a right password clears the account's
// attempts.
func (h *Handlers) passwordLoginUser(ctx context.Context, target loginTarget, password secret, meta eventlog.Metadata,
	more func(u *identity.User) ([]eventlog.Event, error)) (*identity.User, eventlog.Position, error) {
	if err := h.attempt(ctx, target.account(), meta.ClientIP); err != nil {
		return nil, eventlog.Position{}, err
	}
	if !target.found {
		if err := h.passwords.Waste(ctx, password.raw); err != nil {
			return nil, eventlog.Position{}, err
		}
		return nil, eventlog.Position{}, identity.ErrBadCredentials
	}
	user, pos, err := h.checkAndLogIn(ctx, target.id, password, meta, more)
	if err == nil {
		h.succeeded(ctx, target.account())
	}
	return user, pos, err
}

// checkAndLogIn checks the password of user id and appends UserLoggedIn
// (and a rehash, and what more decides).
func (h *Handlers) checkAndLogIn(ctx context.Context, id int64, password secret, meta eventlog.Metadata,
	more func(u *identity.User) ([]eventlog.Event, error)) (*identity.User, eventlog.Position, error) {
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(id) // the acting user is the one logging in
	}
	matches, verr := h.checkPassword(ctx, password)
	rehashed := map[string]string{} // old hash → new, across attempts
	var user *identity.User
	res, err := h.runner.Execute(ctx, identity.UserStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := identity.UserFromHistory(eventsOf(history))
		if err != nil {
			// A claim whose registration never completed.
			return nil, identity.ErrBadCredentials
		}
		if err := u.CheckPassword(matches); err != nil {
			if verr() != nil {
				return nil, verr()
			}
			return nil, err
		}
		events, err := u.LogIn(identity.LoginPassword, h.clock.Now())
		if err != nil {
			return nil, err
		}
		// A hash made with older parameters is upgraded while the password
		// is at hand (in the scheme it was made in).
		if old := u.PasswordHash(); h.passwords.NeedsRehash(old) {
			if _, done := rehashed[old]; !done {
				nh, err := h.passwords.rehash(ctx, password, old)
				if err != nil {
					return nil, err
				}
				rehashed[old] = nh
			}
			changed, err := u.RehashPassword(rehashed[old], h.clock.Now())
			if err != nil {
				return nil, err
			}
			events = append(events, changed...)
		}
		if more != nil {
			extra, err := more(u)
			if err != nil {
				return nil, err
			}
			events = append(events, extra...)
		}
		user, err = identity.UserFromHistory(append(eventsOf(history), events...))
		return events, err
	})
	if err != nil {
		return nil, eventlog.Position{}, err
	}
	return user, res.Append.Position, nil
}
