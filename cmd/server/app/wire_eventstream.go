package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/eventstream"
	"github.com/fiveapis/backend/transport/messaging"
)

// wireEventStream builds the log's outlets for analytics: GET
// /events/stream (Server-Sent Events) and, with NATS_URL set, the JetStream
// publisher.
func wireEventStream(ctx context.Context, p *Platform) (Module, error) {
	done := make(chan struct{})
	consumers := make([]eventstream.Consumer, len(p.Config.Ops.EventStreamConsumers))
	for i, c := range p.Config.Ops.EventStreamConsumers {
		consumers[i] = eventstream.Consumer(c)
	}
	m := Module{Name: "eventstream",
		Routes: []httpapi.Routes{eventstream.Module{Store: p.Store, Upcaster: p.Codec, Consumers: consumers, Done: done}},
		// Open streams end when the server stops.
		Background: []func(context.Context) error{func(ctx context.Context) error {
			<-ctx.Done()
			close(done)
			return nil
		}},
	}
	if p.Config.NATS.URL == "" {
		return m, nil
	}
	cps, err := NewConsumerCheckpoints(ctx, p.Pool)
	if err != nil {
		return m, err
	}
	cfg := JetStreamConfig(p, cps)
	m.Background = append(m.Background, func(ctx context.Context) error {
		return messaging.RunJetStreamPublisher(ctx, cfg, watermill.NewSlogLogger(p.Logger))
	})
	return m, nil
}

// StreamConsumer is an analytics consumer allowed to read GET /events/stream
// with its key, limited to its categories (empty: all).
type StreamConsumer struct {
	Name       string
	Key        string
	Categories []string
}

// StreamConsumers is EVENT_STREAM_CONSUMERS (see ParseStreamConsumers).
type StreamConsumers []StreamConsumer

// UnmarshalText implements encoding.TextUnmarshaler for the configuration.
func (s *StreamConsumers) UnmarshalText(text []byte) error {
	cs, err := ParseStreamConsumers(string(text))
	if err != nil {
		return err
	}
	*s = cs
	return nil
}

// ParseStreamConsumers reads EVENT_STREAM_CONSUMERS: entries separated by
// ";" or whitespace, each "name=key" (every category) or
// "name=key:cat1,cat2" (only those categories).
func ParseStreamConsumers(s string) ([]StreamConsumer, error) {
	var out []StreamConsumer
	for _, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ' ' || r == '\n' || r == '\t' }) {
		name, rest, ok := strings.Cut(entry, "=")
		if !ok || name == "" || rest == "" {
			return nil, fmt.Errorf("want name=key[:category,…], got %q", entry)
		}
		key, cats, _ := strings.Cut(rest, ":")
		if len(key) < 16 {
			return nil, fmt.Errorf("consumer %s: the key must have at least 16 characters", name)
		}
		c := StreamConsumer{Name: name, Key: key}
		for _, cat := range strings.Split(cats, ",") {
			if cat = strings.TrimSpace(cat); cat == "" || cat == "*" {
				continue
			}
			if !eventlog.ValidCategory(cat) {
				return nil, fmt.Errorf("consumer %s: invalid category %q", name, cat)
			}
			c.Categories = append(c.Categories, cat)
		}
		out = append(out, c)
	}
	return out, nil
}

// JetStreamConfig is the publisher's configuration (the CLI shows its status).
func JetStreamConfig(p *Platform, cps messaging.CheckpointStore) messaging.JetStreamConfig {
	n := p.Config.NATS
	return messaging.JetStreamConfig{
		URL: n.URL, Stream: n.Stream, SubjectPrefix: n.SubjectPrefix, DuplicateWindow: n.DuplicateWindow,
		Filter: eventlog.Filter{Categories: n.Categories, EventTypes: n.EventTypes},
		Store:  p.Store, Checkpoints: cps, Upcaster: p.Codec,
	}
}

// ConsumerCheckpoints keeps the checkpoints of consumers that are not
// projectors (the JetStream publisher) in app.consumer_checkpoints.
type ConsumerCheckpoints struct{ pool *pgxpool.Pool }

// NewConsumerCheckpoints creates the table when needed.
func NewConsumerCheckpoints(ctx context.Context, pool *pgxpool.Pool) (*ConsumerCheckpoints, error) {
	const ddl = `CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.consumer_checkpoints (
  name text PRIMARY KEY, commit_pos bigint NOT NULL, prepare_pos bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`
	if _, err := pool.Exec(ctx, ddl); err != nil {
		return nil, fmt.Errorf("consumer checkpoints table: %w", err)
	}
	return &ConsumerCheckpoints{pool: pool}, nil
}

// Checkpoint implements messaging.CheckpointReader.
func (c *ConsumerCheckpoints) Checkpoint(ctx context.Context, name string) (eventlog.Position, error) {
	var cp, pp int64
	err := c.pool.QueryRow(ctx, `SELECT coalesce(max(commit_pos), 0), coalesce(max(prepare_pos), 0) FROM app.consumer_checkpoints WHERE name = $1`, name).Scan(&cp, &pp)
	return eventlog.Position{Commit: uint64(cp), Prepare: uint64(pp)}, err
}

// SaveCheckpoint implements messaging.CheckpointStore.
func (c *ConsumerCheckpoints) SaveCheckpoint(ctx context.Context, name string, pos eventlog.Position) error {
	_, err := c.pool.Exec(ctx, `INSERT INTO app.consumer_checkpoints (name, commit_pos, prepare_pos) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos, updated_at = now()`,
		name, int64(pos.Commit), int64(pos.Prepare))
	return err
}
