package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// UpdateAccount changes the actor's username and/or e-mail address (nil:
// keep).
type UpdateAccount struct {
	Meta     eventlog.Metadata
	Actor    access.Actor
	Username *string
	Email    *string
}

// UpdateAccount validates every given field, claims the new username and
// address, appends UsernameChanged / EmailChanged (the address sealed in the
// personal-data vault) and releases the old claims. A name or address held
// by another user is ErrUsernameTaken / ErrEmailTaken.
func (h *Handlers) UpdateAccount(ctx context.Context, cmd UpdateAccount) (Done, error) {
	pos, err := h.updateAccount(ctx, cmd)
	return Done{Position: pos}, err
}

func (h *Handlers) updateAccount(ctx context.Context, cmd UpdateAccount) (eventlog.Position, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return eventlog.Position{}, err
	}
	meta := cmd.Meta
	var (
		errs     []error
		username identity.Username
		email    identity.Email
	)
	if cmd.Username != nil {
		u, err := identity.NewUsername(*cmd.Username)
		if err != nil {
			errs = append(errs, err)
		}
		username = u
	}
	if cmd.Email != nil {
		e, err := identity.NewEmail(*cmd.Email)
		if err != nil {
			errs = append(errs, err)
		}
		email = e
	}
	if err := errors.Join(errs...); err != nil {
		return eventlog.Position{}, err
	}
	u, err := h.loadUser(ctx, userID)
	if err != nil {
		return eventlog.Position{}, err
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(userID)
	}
	var pos eventlog.Position
	if cmd.Username != nil && username.String() != u.Username() {
		old, _ := identity.NewUsername(u.Username())
		if old.Key() != username.Key() {
			if _, err := h.claimUsername(ctx, username, userID, meta); err != nil {
				return eventlog.Position{}, err
			}
		}
		p, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
			return u.ChangeUsername(username, h.clock.Now()), nil
		})
		if err != nil {
			if old.Key() != username.Key() {
				err = errors.Join(err, h.releaseUsername(context.WithoutCancel(ctx), username, userID, meta))
			}
			return eventlog.Position{}, err
		}
		pos = maxPos(pos, p)
		if old.Key() != username.Key() && !old.IsZero() {
			if err := h.releaseUsername(ctx, old, userID, meta); err != nil {
				return pos, err
			}
		}
	}
	if cmd.Email != nil && (email.IsZero() != (u.EmailDigest() == "") || (!email.IsZero() && email.Digest() != u.EmailDigest())) {
		oldDigest := u.EmailDigest()
		sealed := ""
		if !email.IsZero() {
			if h.personal == nil {
				return pos, errors.New("identity: no personal-data vault configured")
			}
			if _, err := h.claimEmail(ctx, email, userID, meta); err != nil {
				return pos, err
			}
			if sealed, err = h.personal.Seal(ctx, identity.UserDataSubject(userID), email.String()); err != nil {
				return pos, errors.Join(err, h.releaseEmail(context.WithoutCancel(ctx), email, userID, meta))
			}
		}
		p, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
			return u.ChangeEmail(email, sealed, h.clock.Now()), nil
		})
		if err != nil {
			if !email.IsZero() {
				err = errors.Join(err, h.releaseEmail(context.WithoutCancel(ctx), email, userID, meta))
			}
			return pos, err
		}
		pos = maxPos(pos, p)
		if oldDigest != "" {
			_, err := h.runner.ExecuteLast(ctx, eventlog.StreamID(identity.EmailClaimCategory, oldDigest), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
				return identity.ReleaseEmailDigest(eventOf(last), oldDigest, userID, h.clock.Now()), nil
			})
			if err != nil {
				return pos, err
			}
		}
	}
	return pos, nil
}

// UnbindSocialAccount removes a provider link of the actor.
type UnbindSocialAccount struct {
	Meta     eventlog.Metadata
	Actor    access.Actor
	Provider string
}

// UnbindSocialAccount appends SocialAccountUnbound, unless the link is the
// account's last way to log in (ErrLastLoginMethod) or there is none
// (ErrNotBound).
func (h *Handlers) UnbindSocialAccount(ctx context.Context, cmd UnbindSocialAccount) (Done, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	var digest string
	pos, err := h.onUser(ctx, userID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		events, err := u.UnbindSocialAccount(cmd.Provider, h.clock.Now())
		if err == nil && len(events) == 1 {
			digest = events[0].(identity.SocialAccountUnbound).ExternalDigest
		}
		return events, err
	})
	if err != nil || digest == "" {
		return Done{Position: pos}, err
	}
	return Done{Position: pos}, h.releaseSocial(ctx, cmd.Provider, digest, userID, cmd.Meta)
}
