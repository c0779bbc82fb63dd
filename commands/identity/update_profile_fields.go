package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
)

// UpdateProfile replaces a user's Roamio profile fields; the actor must be
// the user or an admin.
type UpdateProfile struct {
	ActorID int64
	UserID  int64
	Profile domain.Profile
}

// editor loads who edits; an unknown one may edit nothing.
func (h *Handlers) editor(ctx context.Context, id int64) (domain.Actor, error) {
	if id <= 0 {
		return domain.Actor{}, domain.ErrNotOwner
	}
	a, err := h.loadUser(ctx, id)
	if errors.Is(err, domain.ErrUserNotFound) {
		return domain.Actor{}, domain.ErrNotOwner
	}
	if err != nil {
		return domain.Actor{}, err
	}
	return domain.ActorOf(a), nil
}

// UpdateProfile validates the fields, seals the birthday and appends
// ProfileUpdated.
func (h *Handlers) UpdateProfile(ctx context.Context, cmd UpdateProfile, meta eventlog.Metadata) (eventlog.Position, error) {
	if err := domain.ValidateProfile(cmd.Profile, h.clock.Now()); err != nil {
		return eventlog.Position{}, err
	}
	by, err := h.editor(ctx, cmd.ActorID)
	if err != nil {
		return eventlog.Position{}, err
	}
	ref := ""
	if cmd.Profile.Birthday != "" {
		if h.personal == nil {
			return eventlog.Position{}, errors.New("identity: no personal-data vault configured")
		}
		if ref, err = h.personal.Seal(ctx, domain.UserDataSubject(cmd.UserID), cmd.Profile.Birthday); err != nil {
			return eventlog.Position{}, err
		}
	}
	return h.onUser(ctx, cmd.UserID, meta, func(u *domain.User) ([]eventlog.Event, error) {
		return u.UpdateProfile(by, cmd.Profile, ref, h.clock.Now())
	})
}

// ChangeAvatar records a stored avatar file as the user's avatar.
type ChangeAvatar struct {
	ActorID     int64
	UserID      int64
	FileKey     string
	ContentType string
	Size        int64
}

// CanEditProfile reports whether actor may edit user's profile (checked
// before an upload is stored).
func (h *Handlers) CanEditProfile(ctx context.Context, actorID, userID int64) (bool, error) {
	by, err := h.editor(ctx, actorID)
	if errors.Is(err, domain.ErrNotOwner) {
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
func (h *Handlers) ChangeAvatar(ctx context.Context, cmd ChangeAvatar, meta eventlog.Metadata) (eventlog.Position, error) {
	by, err := h.editor(ctx, cmd.ActorID)
	if err != nil {
		return eventlog.Position{}, err
	}
	return h.onUser(ctx, cmd.UserID, meta, func(u *domain.User) ([]eventlog.Event, error) {
		return u.ChangeAvatar(by, cmd.FileKey, cmd.ContentType, cmd.Size, h.clock.Now())
	})
}
