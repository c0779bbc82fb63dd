// Package trips holds the command handlers of Roamio's trip plans: one file
// per command. A plan and its itinerary are decided on trip-<id> with the
// version read; a slug is claimed on its own stream expecting none (a
// collision draws another); likes, check-ins and views on one stream per
// trip and caller, so each counts once (docs/roamio.md).
package trips

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Slugs draws candidate slugs (12 lowercase hex characters).
type Slugs func() string

// RandomSlugs draws slugs from crypto/rand.
func RandomSlugs() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MaxSlugDraws bounds the draws of a slug before giving up.
const MaxSlugDraws = 16

// Handlers executes the trip commands.
type Handlers struct {
	runner *handling.Runner
	seqs   *handling.Runner
	store  handling.EventStore
	clock  Clock
	slugs  Slugs
}

// New returns the handlers; slugs nil draws RandomSlugs.
func New(runner *handling.Runner, clock Clock, slugs Slugs) *Handlers {
	store := runner.Store()
	if slugs == nil {
		slugs = RandomSlugs
	}
	return &Handlers{
		runner: handling.NewRunner(store, handling.Config{MaxAttempts: 100, Backoff: 2 * time.Millisecond}),
		seqs:   handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:  store, clock: clock, slugs: slugs,
	}
}

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// Result is where a command's events landed (zero when nothing changed).
type Result struct {
	Position eventlog.Position
}

// load folds a trip's stream.
func (h *Handlers) load(ctx context.Context, id int64) (trips.Trip, error) {
	history, _, err := h.store.Load(ctx, trips.TripStream(id))
	if err != nil {
		return trips.Trip{}, fmt.Errorf("load trip %d: %w", id, err)
	}
	return trips.TripFrom(history), nil
}

// claimSlug draws slugs until one is claimed for the trip.
func (h *Handlers) claimSlug(ctx context.Context, tripID int64, meta eventlog.Metadata, now time.Time) (string, error) {
	for range MaxSlugDraws {
		slug := h.slugs()
		if !trips.ValidSlug(slug) {
			return "", fmt.Errorf("slug source drew %q", slug)
		}
		res, err := h.runner.ExecuteLastOptimistic(ctx, trips.SlugStream(slug), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			if last != nil {
				return nil, nil // taken: draw again
			}
			return []eventlog.Event{trips.TripSlugClaimed{Slug: slug, TripID: tripID, ClaimedAt: now}}, nil
		})
		if err != nil {
			return "", fmt.Errorf("claim slug: %w", err)
		}
		if len(res.Events) > 0 {
			return slug, nil
		}
	}
	return "", fmt.Errorf("no free slug after %d draws", MaxSlugDraws)
}
