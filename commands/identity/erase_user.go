package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// EraseUser erases a user's personal data, asked by an administrator (or
// the system: an operator's command line).
type EraseUser struct {
	Meta   eventlog.Metadata
	Actor  access.Actor
	UserID int64
}

// EraseUser appends PersonalDataErased to the user's stream, once the log
// says the actor is an administrator. The keys are deleted by the reaction
// (Reactions), and every read model blanks what it holds of the user.
func (h *Handlers) EraseUser(ctx context.Context, cmd EraseUser) (Done, error) {
	actor, err := h.actor(ctx, cmd.Actor)
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, cmd.UserID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.ErasePersonalData(actor, h.clock.Now())
	})
	return Done{Position: pos}, err
}

// Eraser deletes the keys of a personal-data subject (the vault).
type Eraser interface {
	Erase(ctx context.Context, subject string) error
}

// ErasureReactionName is the checkpoint key of the reaction that deletes the
// keys of an erased user.
const ErasureReactionName = "identity_erasure"

// Reactions are the identity context's side effects: on PersonalDataErased,
// delete the keys of every subject of the user with eraser (at least once;
// deleting a deleted key does nothing).
func (h *Handlers) Reactions(eraser Eraser) []eventlog.Reaction {
	return []eventlog.Reaction{{
		Name:   ErasureReactionName,
		Filter: eventlog.Filter{Categories: []string{identity.UserCategory}, EventTypes: []string{identity.EventPersonalDataErased}},
		Handle: func(ctx context.Context, env eventlog.Envelope) error {
			e, ok := env.Event.(identity.PersonalDataErased)
			if !ok {
				return nil
			}
			return h.EraseKeys(ctx, eraser, e.UserID)
		},
	}}
}

// EraseKeys deletes the keys of every subject of the user (the erasure
// reaction's work, which an operator's command line may also do at once).
func (h *Handlers) EraseKeys(ctx context.Context, eraser Eraser, userID int64) error {
	subjects := []string{identity.UserDataSubject(userID)}
	u, err := h.loadUser(ctx, userID)
	switch {
	case err == nil:
		subjects = u.ErasureSubjects()
	case !errors.Is(err, identity.ErrUserNotFound):
		return fmt.Errorf("erase user %d: %w", userID, err)
	}
	for _, s := range subjects {
		if err := eraser.Erase(ctx, s); err != nil {
			return fmt.Errorf("erase user %d: subject %s: %w", userID, s, err)
		}
	}
	return nil
}
