package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi/eventstream"
	"github.com/fiveapis/backend/transport/messaging"
)

// StreamConsumer is an analytics consumer allowed to read GET /events/stream
// with its key, limited to its categories (empty: all).
type StreamConsumer struct {
	Name       string
	Key        string
	Categories []string
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

// NATSConfig configures the JetStream publisher (docs/config.md).
type NATSConfig struct {
	// URL of NATS (NATS_URL); empty: the publisher does not run.
	URL string
	// Stream, SubjectPrefix, DuplicateWindow: see messaging.JetStreamConfig
	// (NATS_STREAM, NATS_SUBJECT_PREFIX, NATS_DUPLICATE_WINDOW).
	Stream          string
	SubjectPrefix   string
	DuplicateWindow time.Duration
	// Categories and EventTypes filter what is published (NATS_CATEGORIES,
	// NATS_EVENT_TYPES, comma-separated; empty: everything).
	Categories []string
	EventTypes []string
}

func (c *Config) readEventsConfig(getenv func(string) string) error {
	var err error
	if c.EventStreamConsumers, err = ParseStreamConsumers(getenv("EVENT_STREAM_CONSUMERS")); err != nil {
		return fmt.Errorf("EVENT_STREAM_CONSUMERS: %w", err)
	}
	c.NATS = NATSConfig{
		URL:           getenv("NATS_URL"),
		Stream:        or(getenv("NATS_STREAM"), messaging.DefaultJetStreamName),
		SubjectPrefix: or(getenv("NATS_SUBJECT_PREFIX"), messaging.DefaultJetStreamSubjectPrefix),
		Categories:    list(getenv("NATS_CATEGORIES")),
		EventTypes:    list(getenv("NATS_EVENT_TYPES")),
	}
	c.NATS.DuplicateWindow = messaging.DefaultJetStreamDuplicateWindow
	if v := getenv("NATS_DUPLICATE_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("NATS_DUPLICATE_WINDOW: want a duration such as 10m, got %q", v)
		}
		c.NATS.DuplicateWindow = d
	}
	return nil
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// mountEvents adds GET /events/stream and, with NATS_URL set, the JetStream
// publisher: a reaction of the projection engine (one process at a time,
// checkpoint "jetstream" in projection.checkpoints).
func (a *App) mountEvents(context.Context) error {
	a.shutdown = make(chan struct{})
	consumers := make([]eventstream.Consumer, len(a.cfg.EventStreamConsumers))
	for i, c := range a.cfg.EventStreamConsumers {
		consumers[i] = eventstream.Consumer(c)
	}
	a.modules = append(a.modules, eventstream.Module{Store: a.store, Upcaster: a.codec, Consumers: consumers, Done: a.shutdown})
	a.workers = append(a.workers, func(ctx context.Context) error {
		<-ctx.Done()
		a.closeShutdown()
		return nil
	})
	if a.cfg.NATS.URL == "" {
		return nil
	}
	r, err := messaging.NewJetStreamReaction(a.JetStreamConfig(), watermill.NewSlogLogger(a.logger))
	if err != nil {
		return fmt.Errorf("NATS_URL: %w", err)
	}
	a.reactions = append(a.reactions, r)
	return nil
}

func (a *App) closeShutdown() {
	select {
	case <-a.shutdown:
	default:
		close(a.shutdown)
	}
}

// JetStreamConfig is the publisher's configuration.
func (a *App) JetStreamConfig() messaging.JetStreamConfig {
	n := a.cfg.NATS
	return messaging.JetStreamConfig{
		URL: n.URL, Stream: n.Stream, SubjectPrefix: n.SubjectPrefix, DuplicateWindow: n.DuplicateWindow,
		Filter:   eventlog.Filter{Categories: n.Categories, EventTypes: n.EventTypes},
		Upcaster: a.codec,
	}
}
