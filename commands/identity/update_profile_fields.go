package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// UpdateProfile replaces a user's Roamio profile fields; the actor must be
// the user or an admin.
type UpdateProfile struct {
	Meta    eventlog.Metadata
	Actor   access.Actor
	UserID  int64
	Profile identity.Profile
}

// editor loads who edits as the log knows them; an unknown one may edit
// nothing.
func (h *Handlers) editor(ctx context.Context, a access.Actor) (access.Actor, error) {
	if !a.Authenticated() {
		return access.Actor{}, identity.ErrNotOwner
	}
	u, err := h.loadUser(ctx, a.UserID)
	if errors.Is(err, identity.ErrUserNotFound) {
		return access.Actor{}, identity.ErrNotOwner
	}
	if err != nil {
		return access.Actor{}, err
	}
	return identity.ActorOf(u), nil
}

// UpdateProfile validates the fields, seals the birthday and appends
// ProfileUpdated.
func (h *Handlers) UpdateProfile(ctx context.Context, cmd UpdateProfile) (Done, error) {
	if err := identity.ValidateProfile(cmd.Profile, h.clock.Now()); err != nil {
		return Done{}, err
	}
	by, err := h.editor(ctx, cmd.Actor)
	if err != nil {
		return Done{}, err
	}
	ref := ""
	if cmd.Profile.Birthday != "" {
		if h.personal == nil {
			return Done{}, errors.New("identity: no personal-data vault configured")
		}
		if ref, err = h.personal.Seal(ctx, identity.UserDataSubject(cmd.UserID), cmd.Profile.Birthday); err != nil {
			return Done{}, err
		}
	}
	pos, err := h.onUser(ctx, cmd.UserID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.UpdateProfile(by, cmd.Profile, ref, h.clock.Now())
	})
	return Done{Position: pos}, err
}

// ChangeAvatar records a stored avatar file as the user's avatar.
type ChangeAvatar struct {
	Meta        eventlog.Metadata
	Actor       access.Actor
	UserID      int64
	FileKey     string
	ContentType string
	Size        int64
}

// CanEditProfile reports whether actor may edit user's profile (checked
// before an upload is stored).
func (h *Handlers) CanEditProfile(ctx context.Context, actor access.Actor, userID int64) (bool, error) {
	by, err := h.editor(ctx, actor)
	if errors.Is(err, identity.ErrNotOwner) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	u, err := h.loadUser(ctx, userID)
	if err != nil {
		return false, err
	}
	return u.CanEdit(by), nil
}

// ChangeAvatar appends AvatarChanged.
func (h *Handlers) ChangeAvatar(ctx context.Context, cmd ChangeAvatar) (Done, error) {
	by, err := h.editor(ctx, cmd.Actor)
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, cmd.UserID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.ChangeAvatar(by, cmd.FileKey, cmd.ContentType, cmd.Size, h.clock.Now())
	})
	return Done{Position: pos}, err
}
