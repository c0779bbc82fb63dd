package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/eventstream"
	"github.com/fiveapis/backend/transport/messaging"
)

// wireEventStream builds the log's outlets for analytics: GET
// /events/stream (Server-Sent Events) and, with NATS_URL set, the JetStream
// publisher.
func wireEventStream(_ context.Context, p *Platform) (Module, error) {
	done := make(chan struct{})
	consumers := make([]eventstream.Consumer, len(p.Config.Ops.EventStreamConsumers))
	for i, c := range p.Config.Ops.EventStreamConsumers {
		consumers[i] = eventstream.Consumer(c)
	}
	m := Module{Name: "eventstream",
		Routes: []httpapi.Routes{eventstream.Module{Store: p.Store, Forms: p.Forms, Consumers: consumers, Done: done, Live: p.OpenStreams}},
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
	// The publisher is a reaction: one process at a time, checkpoint
	// "jetstream" in projection.checkpoints.
	r, err := messaging.NewJetStreamReaction(JetStreamConfig(p), watermill.NewSlogLogger(p.Logger))
	if err != nil {
		return m, fmt.Errorf("NATS_URL: %w", err)
	}
	m.Reactions = append(m.Reactions, r)
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

// JetStreamConfig is the publisher's configuration.
func JetStreamConfig(p *Platform) messaging.JetStreamConfig {
	n := p.Config.NATS
	return messaging.JetStreamConfig{
		URL: n.URL, Stream: n.Stream, SubjectPrefix: n.SubjectPrefix, DuplicateWindow: n.DuplicateWindow,
		Filter: eventlog.Filter{Categories: n.Categories, EventTypes: n.EventTypes},
		Forms:  p.Forms,
	}
}
