package identity

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// UpdateContactInfo replaces the actor's address-book entry (001).
type UpdateContactInfo struct {
	Meta  eventlog.Metadata
	Actor access.Actor
	Info  identity.ContactInfo
}

// UpdateContactInfo validates the entry, seals it in the personal-data vault
// (subject "user:<id>") and appends ContactInfoUpdated.
func (h *Handlers) UpdateContactInfo(ctx context.Context, cmd UpdateContactInfo) (Done, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	if err := cmd.Info.Validate(); err != nil {
		return Done{}, err
	}
	if h.personal == nil {
		return Done{}, errors.New("identity: no personal-data vault configured")
	}
	raw, err := json.Marshal(cmd.Info)
	if err != nil {
		return Done{}, err
	}
	sealed, err := h.personal.Seal(ctx, identity.UserDataSubject(userID), string(raw))
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, userID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.UpdateContactInfo(sealed, h.clock.Now())
	})
	return Done{Position: pos}, err
}
