package contacts

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
)

// AddDepartment is an admin adding a department.
type AddDepartment struct {
	Actor access.Actor
	Name  string
	Meta  eventlog.Metadata
}

// RenameDepartment is an admin renaming a department (PUT or PATCH).
type RenameDepartment struct {
	Actor        access.Actor
	DepartmentID int64
	Name         string
	Meta         eventlog.Metadata
}

// RemoveDepartment is an admin removing a department.
type RemoveDepartment struct {
	Actor        access.Actor
	DepartmentID int64
	Meta         eventlog.Metadata
}

// DepartmentResult is a department after a command and where its event
// landed (zero position: nothing changed).
type DepartmentResult struct {
	Department contacts.Department
	Position   eventlog.Position
}

// catalogue runs a decision over the catalogue carried by the department
// stream's last event.
func (h *Handlers) catalogue(ctx context.Context, meta eventlog.Metadata, decide func(contacts.Catalogue) (eventlog.Event, error)) (eventlog.Position, error) {
	res, err := h.runner.ExecuteLast(ctx, contacts.DepartmentStream(), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var cat contacts.Catalogue
		if last == nil {
			cat = contacts.CatalogueFrom(nil)
		} else {
			cat = contacts.CatalogueFrom(last.Event)
		}
		e, err := decide(cat)
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	return res.Append.Position, err
}

// AddDepartment appends DepartmentAdded with the next id; names are unique.
func (h *Handlers) AddDepartment(ctx context.Context, cmd AddDepartment) (DepartmentResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return DepartmentResult{}, err
	}
	h.now(&cmd.Meta)
	var out contacts.Department
	pos, err := h.catalogue(ctx, cmd.Meta, func(cat contacts.Catalogue) (eventlog.Event, error) {
		e, err := contacts.AddDepartment(cat, cmd.Name, cmd.Meta.OccurredAt)
		out = contacts.Department{ID: e.DepartmentID, Name: e.Name}
		if err != nil {
			return nil, err
		}
		return e, nil
	})
	return DepartmentResult{Department: out, Position: pos}, err
}

// RenameDepartment appends DepartmentRenamed; renaming to the same name
// appends nothing.
func (h *Handlers) RenameDepartment(ctx context.Context, cmd RenameDepartment) (DepartmentResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return DepartmentResult{}, err
	}
	h.now(&cmd.Meta)
	var out contacts.Department
	pos, err := h.catalogue(ctx, cmd.Meta, func(cat contacts.Catalogue) (eventlog.Event, error) {
		e, err := contacts.RenameDepartment(cat, cmd.DepartmentID, cmd.Name, cmd.Meta.OccurredAt)
		if err != nil {
			return nil, err
		}
		if e == nil {
			out, _ = cat.Find(cmd.DepartmentID)
			return nil, nil
		}
		out = contacts.Department{ID: e.DepartmentID, Name: e.Name}
		return *e, nil
	})
	return DepartmentResult{Department: out, Position: pos}, err
}

// RemoveDepartment appends DepartmentRemoved.
func (h *Handlers) RemoveDepartment(ctx context.Context, cmd RemoveDepartment) (Result, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return Result{}, err
	}
	h.now(&cmd.Meta)
	pos, err := h.catalogue(ctx, cmd.Meta, func(cat contacts.Catalogue) (eventlog.Event, error) {
		e, err := contacts.RemoveDepartment(cat, cmd.DepartmentID, cmd.Meta.OccurredAt)
		if err != nil {
			return nil, err
		}
		return e, nil
	})
	return Result{Position: pos}, err
}
