// Package albums holds the command handlers of 004's album ("movie") and
// long-image ("photo") jobs — create, upload, start, delete — and their
// worker: a reaction of the one consumer runtime per shard of jobs
// (react_job_queued.go) that runs the steps of the pipeline (pipeline.go),
// and the expiry job (jobs.go). Each job is one stream, albumjob-<id>,
// decided from its whole (short) history with the exact version read.
package albums

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/forum"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Files keeps each job's uploads and results (transport/files.Jobs: the
// configured object storage, disk or S3, keyed per job); DeleteJob removes
// them all.
type Files interface {
	Put(ctx context.Context, job int64, data []byte, ext string) (key string, err error)
	Read(ctx context.Context, job int64, key string) ([]byte, error)
	DeleteJob(ctx context.Context, job int64) error
}

// Config tunes the jobs.
type Config struct {
	// Stale is how long a queued or working job may go without progress
	// before a start queues it again (its worker died).
	Stale time.Duration
	// TTL is how long a job may go unchanged before the expiry job clears
	// it (−2, files deleted); ExpireEvery is how often that job runs.
	TTL         time.Duration
	ExpireEvery time.Duration
	// Workers is how many jobs render at once across all processes: one
	// reaction per shard of job ids.
	Workers int
}

// DefaultConfig is used for zero fields.
var DefaultConfig = Config{Stale: 10 * time.Minute, TTL: 7 * 24 * time.Hour, ExpireEvery: time.Hour, Workers: 2}

func (c Config) withDefaults() Config {
	if c.Stale <= 0 {
		c.Stale = DefaultConfig.Stale
	}
	if c.TTL <= 0 {
		c.TTL = DefaultConfig.TTL
	}
	if c.ExpireEvery <= 0 {
		c.ExpireEvery = DefaultConfig.ExpireEvery
	}
	if c.Workers <= 0 {
		c.Workers = DefaultConfig.Workers
	}
	return c
}

// Handlers executes the job commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	store  handling.EventStore
	clock  Clock
	files  Files
	cfg    Config
}

// New returns the handlers; zero Config fields take DefaultConfig.
func New(runner *handling.Runner, clock Clock, files Files, cfg Config) *Handlers {
	store := runner.Store()
	return &Handlers{
		runner: runner,
		seqs:   handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:  store,
		clock:  clock,
		files:  files,
		cfg:    cfg.withDefaults(),
	}
}

// Result is where a command's events landed and what it answered.
type Result struct {
	JobID    int64
	Message  string
	Position eventlog.Position
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// Load returns a job's state.
func (h *Handlers) Load(ctx context.Context, id int64) (albums.Job, error) {
	hist, _, err := h.store.Load(ctx, albums.Stream(id))
	if err != nil {
		return albums.Job{}, fmt.Errorf("load album job %d: %w", id, err)
	}
	return albums.Fold(hist), nil
}

// SubjectExists implements forumcmd.Subjects: a finished job of the kind
// may be commented on and liked.
func (h *Handlers) SubjectExists(ctx context.Context, s forum.Subject, id int64) (bool, error) {
	j, err := h.Load(ctx, id)
	if err != nil {
		return false, err
	}
	return j.Exists() && string(j.Kind) == string(s) && j.Status == albums.StatusDone, nil
}

// decide runs a decision over a job's history.
func (h *Handlers) decide(ctx context.Context, id int64, meta eventlog.Metadata, d func(j albums.Job) (eventlog.Event, error)) (handling.Result, error) {
	return h.runner.Execute(ctx, albums.Stream(id), meta, func(hist []eventlog.Envelope) ([]eventlog.Event, error) {
		e, err := d(albums.Fold(hist))
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
}

// CreateJob is a user's new job.
type CreateJob struct {
	Actor access.Actor
	Kind  albums.Kind
	Meta  eventlog.Metadata
}

// CreateJob appends AlbumJobCreated under a new id.
func (h *Handlers) CreateJob(ctx context.Context, cmd CreateJob) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	a, err := h.seqs.AllocateIDs(ctx, albums.Sequence, 1, "", cmd.Meta)
	if err != nil {
		return Result{}, fmt.Errorf("allocate album job id: %w", err)
	}
	id := a.First
	res, err := h.decide(ctx, id, cmd.Meta, func(albums.Job) (eventlog.Event, error) {
		return albums.Create(id, cmd.Kind, by, now)
	})
	return Result{JobID: id, Position: res.Append.Position}, err
}
