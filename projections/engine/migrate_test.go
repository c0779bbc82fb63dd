package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

// The tables of the consumers that kept their own state before the engine
// ran reactions, as they were created (transport/mail, cmd/server/app).
const oldConsumerTables = `
CREATE SCHEMA mail;
CREATE TABLE mail.checkpoints (
  name       text PRIMARY KEY,
  position   text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE mail.leases (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE mail.parked (
  id          bigserial PRIMARY KEY,
  worker      text NOT NULL,
  event_id    text NOT NULL,
  stream_id   text NOT NULL,
  position    text NOT NULL,
  event_type  text NOT NULL,
  attempts    int NOT NULL,
  last_error  text NOT NULL,
  parked_at   timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz,
  UNIQUE (worker, event_id)
);
CREATE SCHEMA app;
CREATE TABLE app.consumer_checkpoints (
  name text PRIMARY KEY, commit_pos bigint NOT NULL, prepare_pos bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());`

// TestMigrationMovesOldConsumerState creates the old tables of the mail
// workers and the JetStream publisher with rows, migrates, and checks that
// the reactions go on where the old consumers stopped: checkpoints copied
// under the new names, unreplayed parked deliveries parked for the
// reactions, and such a parked delivery (stored without its event) replayed
// from the store.
func TestMigrationMovesOldConsumerState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	appendN(t, e.store, "guidemail-1", "GuideEmailRequested_v1", 3)
	appendN(t, e.store, "guidemail-2", "GuideEmailRequested_v1", 2)
	var evs []eventlog.RecordedEvent
	evs, err := e.store.ReadAll(ctx, eventlog.ReadAllOptions{Max: 10})
	if err != nil || len(evs) != 5 {
		t.Fatalf("log: %d events, %v", len(evs), err)
	}
	if _, err := e.pool.Exec(ctx, oldConsumerTables); err != nil {
		t.Fatal(err)
	}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO mail.checkpoints (name, position) VALUES
  ('mail-guides', $1), ('mail-verification-codes', ' 7 '), ('mail-repair-notices', 'garbage')`, evs[3].Position.String())
	batch.Queue(`INSERT INTO app.consumer_checkpoints (name, commit_pos, prepare_pos) VALUES ('jetstream', 41, 40)`)
	batch.Queue(`INSERT INTO mail.parked (worker, event_id, stream_id, position, event_type, attempts, last_error, replayed_at) VALUES
  ('mail-guides', $1, $2, $3, 'GuideEmailRequested_v1', 5, '451 mailbox busy', NULL),
  ('mail-guides', $4, $5, $6, 'GuideEmailRequested_v1', 5, '451 again', now())`,
		evs[1].ID, evs[1].StreamID, evs[1].Position.String(), evs[2].ID, evs[2].StreamID, evs[2].Position.String())
	if err := e.pool.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}

	if err := engine.Migrate(ctx, e.pool); err != nil {
		t.Fatal(err)
	}
	type checkpoint struct {
		Name            string
		Commit, Prepare int64
	}
	rows, err := e.pool.Query(ctx, `SELECT name, commit_pos, prepare_pos FROM projection.checkpoints ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[checkpoint])
	if err != nil {
		t.Fatal(err)
	}
	want := []checkpoint{
		{"jetstream", 41, 40},
		{"mail_guides", int64(evs[3].Position.Commit), int64(evs[3].Position.Prepare)},
		{"mail_verification_codes", 7, 7},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("checkpoints (-want +got):\n%s", diff)
	}
	// Migrating again changes nothing (goose ran it once).
	if err := engine.Migrate(ctx, e.pool); err != nil {
		t.Fatal(err)
	}

	// The reaction goes on after its copied checkpoint, and its parked
	// delivery is listed and replayed from the store.
	rec := newRecorder()
	cfg := testConfig()
	cfg.Reactions = []eventlog.Reaction{{Name: "mail_guides", Handle: rec.handle}}
	eng := newEngine(t, e, cfg)
	parked, err := eng.Parked(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	type parkedRow struct {
		Kind       engine.Kind
		Projection string
		Consumer   string
		Position   eventlog.Position
		EventID    string
		StreamID   string
		Type       string
		Error      string
		Attempts   int
	}
	var gotParked []parkedRow
	for _, p := range parked {
		gotParked = append(gotParked, parkedRow{p.Kind, p.Projection, p.Consumer, p.Position, p.EventID, p.StreamID, p.Type, p.Error, p.Attempts})
	}
	wantParked := []parkedRow{{engine.KindReaction, "mail_guides", "mail_guides", evs[1].Position, evs[1].ID, evs[1].StreamID, "GuideEmailRequested_v1", "451 mailbox busy", 5}}
	if diff := cmp.Diff(wantParked, gotParked); diff != "" {
		t.Fatalf("parked (-want +got):\n%s", diff)
	}
	start(t, eng)
	eventually(t, 10*time.Second, "the event after the copied checkpoint", func() bool {
		got, _ := rec.snapshot()
		return len(got) == 1
	})
	if err := eng.ReplayParked(ctx, parked[0].ID); err != nil {
		t.Fatal(err)
	}
	delivered, _ := rec.snapshot()
	if diff := cmp.Diff([]string{evs[4].ID, evs[1].ID}, delivered); diff != "" {
		t.Fatalf("deliveries (-want +got):\n%s", diff)
	}
}
