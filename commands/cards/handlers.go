// Package cards holds the command handlers of the card system (seed 002): one
// file per command. Each loads the streams it decides on through
// handling.Runner, lets domain/cards decide and appends the events with the
// version it read.
package cards

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/sequence"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// UseLimiter caps card-use attempts per user and per client IP (002 §10.3:
// rate limiting against scanning). transport/ratelimit implements it over
// Redis so that the limits hold across server processes.
type UseLimiter interface {
	// Allow counts one attempt by userID from ip. When a limit is exceeded it
	// returns ok=false and how long the caller should wait.
	Allow(ctx context.Context, userID, ip string) (ok bool, retryAfter time.Duration, err error)
}

// CodeSigner makes and checks card codes; *cards.CodeSigner implements it with
// the server's secret.
type CodeSigner interface {
	Code(batchCode string, id int64) string
	Parse(code string) (cards.ParsedCode, error)
}

// ErrRateLimited answers a card use over the limits; RetryAfterSeconds is set.
var ErrRateLimited = fault.New(fault.RateLimited, "RATE_LIMITED", "请求过于频繁，请稍后再试")

// Config configures the handlers.
type Config struct {
	// DefaultQRBaseURL is the qr_code_base_url of batches that do not name
	// one: a card's qr_code is this URL followed by its card code.
	DefaultQRBaseURL string
	// SequenceAttempts bounds the retries of an id allocation under contention.
	SequenceAttempts int
}

// DefaultConfig holds the defaults of zero fields.
var DefaultConfig = Config{DefaultQRBaseURL: "https://example.com/cards/", SequenceAttempts: 500}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.DefaultQRBaseURL == "" {
		return errors.New("cards: DefaultQRBaseURL is empty")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.DefaultQRBaseURL == "" {
		c.DefaultQRBaseURL = DefaultConfig.DefaultQRBaseURL
	}
	if c.SequenceAttempts <= 0 {
		c.SequenceAttempts = DefaultConfig.SequenceAttempts
	}
	return c
}

// Handlers executes the card commands.
type Handlers struct {
	runner  *handling.Runner
	seqs    *handling.Runner // id allocation: more attempts, the streams are hot
	store   handling.EventStore
	clock   Clock
	signer  CodeSigner
	limiter UseLimiter
	cfg     Config

	// codes caches batch code → batch id; a reservation never changes.
	codes sync.Map
	// catalog caches the batches and templates card uses read.
	catalog *catalog
}

// New returns the handlers. limiter may be nil (no rate limit).
func New(runner *handling.Runner, clock Clock, signer CodeSigner, limiter UseLimiter, cfg Config) *Handlers {
	cfg = cfg.withDefaults()
	cat := newCatalog()
	store := catalogStore{EventStore: runner.Store(), catalog: cat}
	return &Handlers{
		runner:  runner.WithStore(store),
		seqs:    handling.NewRunner(runner.Store(), handling.Config{MaxAttempts: cfg.SequenceAttempts, Backoff: 3 * time.Millisecond}),
		store:   store,
		catalog: cat,
		clock:   clock,
		signer:  signer,
		limiter: limiter,
		cfg:     cfg,
	}
}

// Signer returns the card code signer.
func (h *Handlers) Signer() CodeSigner { return h.signer }

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// requireAdmin is the card system's rule for its admin commands: anyone but
// an administrator is INSUFFICIENT_PERMISSION (002 marks them "管理员权限").
func requireAdmin(a access.Actor) error {
	if !a.Admin {
		return cards.ErrInsufficientPermission
	}
	return nil
}

func events(history []eventlog.Envelope) []eventlog.Event {
	out := make([]eventlog.Event, len(history))
	for i, env := range history {
		out[i] = env.Event
	}
	return out
}

// loadTemplate folds a template's stream.
func (h *Handlers) loadTemplate(ctx context.Context, id int64) (cards.Template, error) {
	history, _, err := h.store.Load(ctx, cards.TemplateStream(id))
	if err != nil {
		return cards.Template{}, err
	}
	return cards.TemplateFrom(events(history)), nil
}

// loadBatch folds a batch's stream.
func (h *Handlers) loadBatch(ctx context.Context, id int64) (cards.Batch, []eventlog.Event, error) {
	history, _, err := h.store.Load(ctx, cards.BatchStream(id))
	if err != nil {
		return cards.Batch{}, nil, err
	}
	evs := events(history)
	return cards.BatchFrom(evs), evs, nil
}

// allocate takes count ids of the named sequence for owner.
func (h *Handlers) allocate(ctx context.Context, name string, count int64, owner string, meta eventlog.Metadata) (sequence.IDsAllocated, error) {
	return h.seqs.AllocateIDs(ctx, name, count, owner, meta)
}
