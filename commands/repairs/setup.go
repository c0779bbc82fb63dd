package repairs

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
)

// AddCategory is an admin adding a fault category.
type AddCategory struct {
	Actor Actor
	Name  string
	Meta  eventlog.Metadata
}

// AddCategory appends RepairCategoryAdded.
func (h *Handlers) AddCategory(ctx context.Context, cmd AddCategory) (repairs.Category, eventlog.Position, error) {
	if _, err := cmd.Actor.Admin(); err != nil {
		return repairs.Category{}, eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.AddCategory(s, cmd.Name, now)
	})
	if err != nil {
		return repairs.Category{}, pos, err
	}
	added := e.(repairs.RepairCategoryAdded)
	return repairs.Category{ID: added.CategoryID, Name: added.Name}, pos, nil
}

// RenameCategory is an admin renaming a category.
type RenameCategory struct {
	Actor      Actor
	CategoryID int64
	Name       string
	Meta       eventlog.Metadata
}

// RenameCategory appends RepairCategoryChanged; the same name appends
// nothing.
func (h *Handlers) RenameCategory(ctx context.Context, cmd RenameCategory) (repairs.Category, eventlog.Position, error) {
	if _, err := cmd.Actor.Admin(); err != nil {
		return repairs.Category{}, eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	var current repairs.Category
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		current, _ = s.Category(cmd.CategoryID)
		changed, err := repairs.RenameCategory(s, cmd.CategoryID, cmd.Name, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return *changed, nil
	})
	if err != nil || e == nil {
		return current, pos, err
	}
	changed := e.(repairs.RepairCategoryChanged)
	return repairs.Category{ID: changed.CategoryID, Name: changed.Name}, pos, nil
}

// RemoveCategory is an admin removing a category.
type RemoveCategory struct {
	Actor      Actor
	CategoryID int64
	Meta       eventlog.Metadata
}

// RemoveCategory appends RepairCategoryRemoved.
func (h *Handlers) RemoveCategory(ctx context.Context, cmd RemoveCategory) (eventlog.Position, error) {
	if _, err := cmd.Actor.Admin(); err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	_, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.RemoveCategory(s, cmd.CategoryID, now)
	})
	return pos, err
}

// AddAddress is an admin adding a notified address.
type AddAddress struct {
	Actor Actor
	Spec  repairs.AddressSpec
	Meta  eventlog.Metadata
}

// AddAddress appends RepairNoticeAddressAdded.
func (h *Handlers) AddAddress(ctx context.Context, cmd AddAddress) (repairs.Address, eventlog.Position, error) {
	if _, err := cmd.Actor.Admin(); err != nil {
		return repairs.Address{}, eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.AddAddress(s, cmd.Spec, now)
	})
	if err != nil {
		return repairs.Address{}, pos, err
	}
	added := e.(repairs.RepairNoticeAddressAdded)
	return repairs.Address{ID: added.AddressID, Email: added.Email, CategoryIDs: added.CategoryIDs}, pos, nil
}

// ChangeAddress is an admin editing an address (PUT: every field; PATCH:
// some).
type ChangeAddress struct {
	Actor     Actor
	AddressID int64
	Patch     repairs.AddressPatch
	Meta      eventlog.Metadata
}

// ChangeAddress appends RepairNoticeAddressChanged; an edit that changes
// nothing appends nothing.
func (h *Handlers) ChangeAddress(ctx context.Context, cmd ChangeAddress) (repairs.Address, eventlog.Position, error) {
	if _, err := cmd.Actor.Admin(); err != nil {
		return repairs.Address{}, eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	var current repairs.Address
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		current = s.Addresses[cmd.AddressID]
		changed, err := repairs.ChangeAddress(s, cmd.AddressID, cmd.Patch, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return *changed, nil
	})
	if err != nil || e == nil {
		return current, pos, err
	}
	changed := e.(repairs.RepairNoticeAddressChanged)
	return repairs.Address{ID: changed.AddressID, Email: changed.Email, CategoryIDs: changed.CategoryIDs}, pos, nil
}

// RemoveAddress is an admin removing an address.
type RemoveAddress struct {
	Actor     Actor
	AddressID int64
	Meta      eventlog.Metadata
}

// RemoveAddress appends RepairNoticeAddressRemoved.
func (h *Handlers) RemoveAddress(ctx context.Context, cmd RemoveAddress) (eventlog.Position, error) {
	if _, err := cmd.Actor.Admin(); err != nil {
		return eventlog.Position{}, err
	}
	now := h.now(&cmd.Meta)
	_, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.RemoveAddress(s, cmd.AddressID, now)
	})
	return pos, err
}
