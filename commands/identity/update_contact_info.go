package identity

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
)

// UpdateContactInfo replaces the user's address-book entry (001).
type UpdateContactInfo struct {
	UserID int64
	Info   domain.ContactInfo
}

// UpdateContactInfo validates the entry, seals it in the personal-data vault
// (subject "user:<id>") and appends ContactInfoUpdated.
func (h *Handlers) UpdateContactInfo(ctx context.Context, cmd UpdateContactInfo, meta eventlog.Metadata) (eventlog.Position, error) {
	if err := cmd.Info.Validate(); err != nil {
		return eventlog.Position{}, err
	}
	if h.personal == nil {
		return eventlog.Position{}, errors.New("identity: no personal-data vault configured")
	}
	raw, err := json.Marshal(cmd.Info)
	if err != nil {
		return eventlog.Position{}, err
	}
	sealed, err := h.personal.Seal(ctx, domain.UserDataSubject(cmd.UserID), string(raw))
	if err != nil {
		return eventlog.Position{}, err
	}
	return h.onUser(ctx, cmd.UserID, meta, func(u *domain.User) ([]eventlog.Event, error) {
		return u.UpdateContactInfo(sealed, h.clock.Now())
	})
}
