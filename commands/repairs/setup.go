package repairs

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/repairs"
)

// AddCategory is an admin adding a fault category.
type AddCategory struct {
	Actor access.Actor
	Name  string
	Meta  eventlog.Metadata
}

// CategoryResult is a category after a command and where its event landed
// (the zero position when nothing changed).
type CategoryResult struct {
	Category repairs.Category
	Position eventlog.Position
}

// AddCategory appends RepairCategoryAdded.
func (h *Handlers) AddCategory(ctx context.Context, cmd AddCategory) (CategoryResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return CategoryResult{}, err
	}
	now := h.now(&cmd.Meta)
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.AddCategory(s, cmd.Name, now)
	})
	if err != nil {
		return CategoryResult{Position: pos}, err
	}
	added := e.(repairs.RepairCategoryAdded)
	return CategoryResult{Category: repairs.Category{ID: added.CategoryID, Name: added.Name}, Position: pos}, nil
}

// RenameCategory is an admin renaming a category.
type RenameCategory struct {
	Actor      access.Actor
	CategoryID int64
	Name       string
	Meta       eventlog.Metadata
}

// RenameCategory appends RepairCategoryChanged; the same name appends
// nothing.
func (h *Handlers) RenameCategory(ctx context.Context, cmd RenameCategory) (CategoryResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return CategoryResult{}, err
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
		return CategoryResult{Category: current, Position: pos}, err
	}
	changed := e.(repairs.RepairCategoryChanged)
	return CategoryResult{Category: repairs.Category{ID: changed.CategoryID, Name: changed.Name}, Position: pos}, nil
}

// RemoveCategory is an admin removing a category.
type RemoveCategory struct {
	Actor      access.Actor
	CategoryID int64
	Meta       eventlog.Metadata
}

// RemoveCategory appends RepairCategoryRemoved.
func (h *Handlers) RemoveCategory(ctx context.Context, cmd RemoveCategory) (Result, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	_, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.RemoveCategory(s, cmd.CategoryID, now)
	})
	return Result{Position: pos}, err
}

// AddAddress is an admin adding a notified address.
type AddAddress struct {
	Actor access.Actor
	Spec  repairs.AddressSpec
	Meta  eventlog.Metadata
}

// AddressResult is a notified address after a command and where its event
// landed (the zero position when nothing changed).
type AddressResult struct {
	Address  repairs.Address
	Position eventlog.Position
}

// AddAddress appends RepairNoticeAddressAdded.
func (h *Handlers) AddAddress(ctx context.Context, cmd AddAddress) (AddressResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return AddressResult{}, err
	}
	now := h.now(&cmd.Meta)
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.AddAddress(s, cmd.Spec, now)
	})
	if err != nil {
		return AddressResult{Position: pos}, err
	}
	added := e.(repairs.RepairNoticeAddressAdded)
	return AddressResult{Address: repairs.Address{ID: added.AddressID, Email: added.Email, CategoryIDs: added.CategoryIDs}, Position: pos}, nil
}

// ChangeAddress is an admin editing an address (PUT: every field; PATCH:
// some).
type ChangeAddress struct {
	Actor     access.Actor
	AddressID int64
	Patch     repairs.AddressPatch
	Meta      eventlog.Metadata
}

// ChangeAddress appends RepairNoticeAddressChanged; an edit that changes
// nothing appends nothing.
func (h *Handlers) ChangeAddress(ctx context.Context, cmd ChangeAddress) (AddressResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return AddressResult{}, err
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
		return AddressResult{Address: current, Position: pos}, err
	}
	changed := e.(repairs.RepairNoticeAddressChanged)
	return AddressResult{Address: repairs.Address{ID: changed.AddressID, Email: changed.Email, CategoryIDs: changed.CategoryIDs}, Position: pos}, nil
}

// RemoveAddress is an admin removing an address.
type RemoveAddress struct {
	Actor     access.Actor
	AddressID int64
	Meta      eventlog.Metadata
}

// RemoveAddress appends RepairNoticeAddressRemoved.
func (h *Handlers) RemoveAddress(ctx context.Context, cmd RemoveAddress) (Result, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	_, pos, err := h.onSetup(ctx, cmd.Meta, func(s repairs.Setup) (eventlog.Event, error) {
		return repairs.RemoveAddress(s, cmd.AddressID, now)
	})
	return Result{Position: pos}, err
}
