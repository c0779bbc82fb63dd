package guides

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
)

// AddCategory is an admin adding a guide category.
type AddCategory struct {
	Actor access.Actor
	Name  string
	Meta  eventlog.Metadata
}

// CategoryResult is a category after a command and where its event landed.
type CategoryResult struct {
	Category guides.Category
	Position eventlog.Position
}

// AddCategory takes an id from the "guidecategory" sequence and appends
// GuideCategoryAdded to guidecategory-<id>.
func (h *Handlers) AddCategory(ctx context.Context, cmd AddCategory) (CategoryResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return CategoryResult{}, err
	}
	now := h.now(&cmd.Meta)
	if _, err := guides.AddCategory(0, cmd.Name, now); err != nil {
		return CategoryResult{}, err
	}
	id, err := h.allocate(ctx, guides.CategorySequence, cmd.Meta)
	if err != nil {
		return CategoryResult{}, err
	}
	res, err := h.runner.ExecuteLast(ctx, guides.CategoryStream(id), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		if last != nil {
			return nil, fmt.Errorf("guide category %d already exists", id)
		}
		added, err := guides.AddCategory(id, cmd.Name, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{added}, nil
	})
	if err != nil {
		return CategoryResult{}, err
	}
	return CategoryResult{Category: guides.CategoryFrom(res.Events[0]), Position: res.Append.Position}, nil
}

// RenameCategory is an admin renaming a category.
type RenameCategory struct {
	Actor      access.Actor
	CategoryID int64
	Name       string
	Meta       eventlog.Metadata
}

// RenameCategory appends GuideCategoryChanged; the same name appends nothing.
func (h *Handlers) RenameCategory(ctx context.Context, cmd RenameCategory) (CategoryResult, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return CategoryResult{}, err
	}
	now := h.now(&cmd.Meta)
	var c guides.Category
	res, err := h.runner.ExecuteLast(ctx, guides.CategoryStream(cmd.CategoryID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		c = guides.Category{}
		if last != nil {
			c = guides.CategoryFrom(last.Event)
		}
		changed, err := guides.RenameCategory(c, cmd.Name, now)
		if err != nil || changed == nil {
			return nil, err
		}
		return []eventlog.Event{*changed}, nil
	})
	if err != nil {
		return CategoryResult{}, err
	}
	if len(res.Events) == 0 {
		return CategoryResult{Category: c}, nil
	}
	return CategoryResult{Category: guides.CategoryFrom(res.Events[0]), Position: res.Append.Position}, nil
}

// RemoveCategory is an admin removing an empty category. Guides is how many
// guides the category holds (the HTTP layer asks the read model).
type RemoveCategory struct {
	Actor      access.Actor
	CategoryID int64
	Guides     int
	Meta       eventlog.Metadata
}

// RemoveCategory appends GuideCategoryRemoved.
func (h *Handlers) RemoveCategory(ctx context.Context, cmd RemoveCategory) (Result, error) {
	if _, err := cmd.Actor.AdminUser(); err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLast(ctx, guides.CategoryStream(cmd.CategoryID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var c guides.Category
		if last != nil {
			c = guides.CategoryFrom(last.Event)
		}
		removed, err := guides.RemoveCategory(c, cmd.Guides, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{removed}, nil
	})
	return Result{Position: res.Append.Position}, err
}
