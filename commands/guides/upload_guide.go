package guides

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
)

// UploadGuide is an admin adding a guide whose file is already in the file
// store.
type UploadGuide struct {
	Actor      access.Actor
	Title      string
	CategoryID int64
	File       guides.File
	Meta       eventlog.Metadata
}

// GuideResult is a guide after a command and where its event landed.
type GuideResult struct {
	Guide    guides.Guide
	Position eventlog.Position
}

// UploadGuide validates the guide, checks its category, takes an id from the
// "guide" sequence and appends GuideUploaded to guide-<id>.
func (h *Handlers) UploadGuide(ctx context.Context, cmd UploadGuide) (GuideResult, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return GuideResult{}, err
	}
	now := h.now(&cmd.Meta)
	up := guides.Upload{Title: cmd.Title, CategoryID: cmd.CategoryID, File: cmd.File, By: by}
	if err := guides.CheckUpload(up); err != nil {
		return GuideResult{}, err
	}
	if err := h.requireCategory(ctx, cmd.CategoryID); err != nil {
		return GuideResult{}, err
	}
	id, err := h.allocate(ctx, guides.GuideSequence, cmd.Meta)
	if err != nil {
		return GuideResult{}, err
	}
	res, err := h.runner.ExecuteLast(ctx, guides.GuideStream(id), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		if last != nil {
			return nil, fmt.Errorf("guide %d already exists", id)
		}
		e, err := guides.UploadGuide(id, up, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return GuideResult{}, err
	}
	return GuideResult{Guide: guides.GuideFrom(res.Events[0]), Position: res.Append.Position}, nil
}
