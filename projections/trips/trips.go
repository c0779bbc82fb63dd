// Package trips holds the read model of Roamio's trip plans (projector
// "trips"): queries/trips reads it through trips.trips, trips.reactions and
// trips.items.
package trips

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
	"github.com/fiveapis/backend/projections/engine"
	tripsq "github.com/fiveapis/backend/queries/trips"
)

// All returns the module's projectors.
func All() []engine.Projector { return []engine.Projector{Projector{}} }

// Projector keeps one row per trip (with its counters), one per counted
// like or check-in (trip, kind, caller) and one per itinerary item.
type Projector struct{}

func (Projector) Name() string { return tripsq.ProjectionName }
func (Projector) Version() int { return 1 }

func (Projector) Filter() eventlog.Filter {
	return eventlog.Filter{Categories: []string{trips.TripCategory, trips.ReactionCategory, trips.ViewCategory}}
}

func (Projector) Schema() string {
	return `
CREATE TABLE trips (
    id               bigint PRIMARY KEY,
    slug             text        NOT NULL,
    author_id        bigint      NOT NULL,
    cloned_from      bigint      NOT NULL DEFAULT 0,
    title            text        NOT NULL,
    description      text        NOT NULL,
    icon             text        NOT NULL,
    start_date       text        NOT NULL,
    end_date         text        NOT NULL,
    status           text        NOT NULL,
    visibility       text        NOT NULL,
    theme_color      text        NOT NULL,
    background_music text        NOT NULL,
    config           json        NOT NULL,
    overview         json        NOT NULL,
    views            bigint      NOT NULL DEFAULT 0,
    likes            bigint      NOT NULL DEFAULT 0,
    checkins         bigint      NOT NULL DEFAULT 0,
    deleted          boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX trips_slug ON trips (slug);
CREATE INDEX trips_public ON trips (created_at DESC, id DESC) WHERE visibility = 'public' AND status = 'published' AND NOT deleted;
CREATE INDEX trips_author ON trips (author_id, created_at DESC) WHERE NOT deleted;

CREATE TABLE reactions (
    trip_id bigint NOT NULL,
    kind    text   NOT NULL,
    caller  text   NOT NULL,
    at      timestamptz NOT NULL,
    PRIMARY KEY (trip_id, kind, caller)
);

CREATE TABLE items (
    id          bigint PRIMARY KEY,
    trip_id     bigint      NOT NULL,
    title       text        NOT NULL,
    description text        NOT NULL,
    event_time  timestamptz,
    location    json        NOT NULL,
    reminder    json        NOT NULL,
    completed   boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX items_trip ON items (trip_id, id);
`
}

func (Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case trips.TripPlanCreated:
		p := e.Plan
		_, err = tx.Exec(ctx, `
INSERT INTO trips (id, slug, author_id, cloned_from, title, description, icon, start_date, end_date, status, visibility,
  theme_color, background_music, config, overview, created_at, updated_at)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16) ON CONFLICT (id) DO NOTHING`,
			e.TripID, e.Slug, e.AuthorID, e.ClonedFrom, p.Title, p.Description, p.Icon, p.StartDate, p.EndDate, p.Status,
			p.Visibility, p.ThemeColor, p.BackgroundMusic, object(p.Config), object(p.Overview), e.CreatedAt)
	case trips.TripPlanChanged:
		p := e.Plan
		_, err = tx.Exec(ctx, `
UPDATE trips SET title=$2, description=$3, icon=$4, start_date=$5, end_date=$6, status=$7, visibility=$8,
  theme_color=$9, background_music=$10, config=$11, overview=$12, updated_at=$13 WHERE id=$1`,
			e.TripID, p.Title, p.Description, p.Icon, p.StartDate, p.EndDate, p.Status, p.Visibility, p.ThemeColor,
			p.BackgroundMusic, object(p.Config), object(p.Overview), e.ChangedAt)
	case trips.TripPlanDeleted:
		_, err = tx.Exec(ctx, `UPDATE trips SET deleted = true, updated_at = $2 WHERE id = $1`, e.TripID, e.DeletedAt)
	case trips.TripLiked:
		err = react(ctx, tx, e.TripID, trips.KindLike, e.Caller, e.LikedAt, "likes")
	case trips.TripCheckedIn:
		err = react(ctx, tx, e.TripID, trips.KindCheckin, e.Caller, e.CheckedInAt, "checkins")
	case trips.TripViewed:
		_, err = tx.Exec(ctx, `UPDATE trips SET views = views + 1 WHERE id = $1`, e.TripID)
	case trips.TripEventAdded:
		it := e.Item
		_, err = tx.Exec(ctx, `
INSERT INTO items (id, trip_id, title, description, event_time, location, reminder, created_at, updated_at)
VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) ON CONFLICT (id) DO NOTHING`,
			e.EventID, e.TripID, it.Title, it.Description, it.EventTime, object(it.Location), object(it.Reminder), e.AddedAt)
	case trips.TripEventChanged:
		it := e.Item
		_, err = tx.Exec(ctx, `
UPDATE items SET title=$2, description=$3, event_time=$4, location=$5, reminder=$6, updated_at=$7 WHERE id=$1`,
			e.EventID, it.Title, it.Description, it.EventTime, object(it.Location), object(it.Reminder), e.ChangedAt)
	case trips.TripEventRemoved:
		_, err = tx.Exec(ctx, `DELETE FROM items WHERE id = $1`, e.EventID)
	case trips.TripEventCompletionSet:
		_, err = tx.Exec(ctx, `UPDATE items SET completed = $2, updated_at = $3 WHERE id = $1`, e.EventID, e.Completed, e.SetAt)
	}
	return err
}

// react records a caller's like or check-in once and counts it.
func react(ctx context.Context, tx pgx.Tx, tripID int64, kind, caller string, at time.Time, counter string) error {
	tag, err := tx.Exec(ctx, `INSERT INTO reactions (trip_id, kind, caller, at) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
		tripID, kind, caller, at)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = tx.Exec(ctx, fmt.Sprintf(`UPDATE trips SET %s = %s + 1 WHERE id = $1`, counter, counter), tripID)
	return err
}

// object encodes a JSON object as stored (nil: {}).
func object(v map[string]any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
