package albums

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
)

// StartJob is the owner starting (or restarting) a job.
type StartJob struct {
	Actor access.Actor
	Kind  albums.Kind
	JobID int64
	Meta  eventlog.Metadata
}

// StartJob appends AlbumJobQueued; the worker of the job's shard takes it.
// Result.Message is the answer of the document for the job's state.
func (h *Handlers) StartJob(ctx context.Context, cmd StartJob) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	var msg string
	res, err := h.decide(ctx, cmd.JobID, cmd.Meta, func(j albums.Job) (eventlog.Event, error) {
		q, err := albums.Start(j, cmd.Kind, by, now, h.cfg.Stale)
		msg = q.Message
		return q, err
	})
	return Result{JobID: cmd.JobID, Message: msg, Position: res.Append.Position}, err
}

// DeleteJob is the owner deleting a job.
type DeleteJob struct {
	Actor access.Actor
	Kind  albums.Kind
	JobID int64
	Meta  eventlog.Metadata
}

// DeleteJob appends AlbumJobDeleted, then deletes the job's files (a crash
// in between leaves files the expiry job's sweep removes: it deletes the
// files of deleted jobs too).
func (h *Handlers) DeleteJob(ctx context.Context, cmd DeleteJob) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	res, err := h.decide(ctx, cmd.JobID, cmd.Meta, func(j albums.Job) (eventlog.Event, error) {
		return albums.Delete(j, cmd.Kind, by, now)
	})
	if err != nil {
		return Result{}, err
	}
	if err := h.files.DeleteJob(ctx, cmd.JobID); err != nil {
		return Result{}, fmt.Errorf("delete files of album job %d: %w", cmd.JobID, err)
	}
	return Result{JobID: cmd.JobID, Position: res.Append.Position}, nil
}
