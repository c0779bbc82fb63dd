package messaging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"

	"github.com/fiveapis/backend/domain/eventlog"
)

// CheckpointStore is a CheckpointReader that can also record a consumer's
// checkpoint. The JetStream publisher keeps its own checkpoint through it.
type CheckpointStore interface {
	CheckpointReader
	SaveCheckpoint(ctx context.Context, name string, pos eventlog.Position) error
}

// Upcaster returns an event in its newest version (the codec implements it).
type Upcaster interface {
	Upcast(eventlog.RecordedEvent) (eventlog.RecordedEvent, error)
}

// Defaults of JetStreamConfig.
const (
	DefaultJetStreamName            = "FIVEAPIS_EVENTS"
	DefaultJetStreamSubjectPrefix   = "fiveapis.events"
	DefaultJetStreamDuplicateWindow = 10 * time.Minute
	DefaultJetStreamConsumer        = "jetstream"
	DefaultJetStreamCheckpointEvery = 100
)

// JetStreamConfig configures the publisher of the event log to NATS JetStream.
type JetStreamConfig struct {
	// URL is the NATS server, e.g. nats://127.0.0.1:4222.
	URL string
	// Stream is the JetStream stream the publisher creates (or updates) to
	// hold Subjects; default DefaultJetStreamName.
	Stream string
	// SubjectPrefix: every event is published to "<prefix>.<category>";
	// default DefaultJetStreamSubjectPrefix.
	SubjectPrefix string
	// DuplicateWindow is the stream's de-duplication window: an event
	// published again within it (same Nats-Msg-Id = event id) is dropped by
	// JetStream. Default DefaultJetStreamDuplicateWindow. It must cover the
	// time between the publisher's last saved checkpoint and its restart.
	DuplicateWindow time.Duration
	// Filter selects the events to publish: categories at the store, event
	// types after upcasting (so the newest wire names are the ones to list).
	Filter eventlog.Filter
	// Name is the consumer name and checkpoint key; default DefaultJetStreamConsumer.
	Name string
	// CheckpointEvery saves the checkpoint after this many published events
	// while catching up (and always when the log is idle); default
	// DefaultJetStreamCheckpointEvery.
	CheckpointEvery int
	// RestartDelay is the pause before the publisher starts again after a
	// failure (NATS down); default 2s.
	RestartDelay time.Duration

	Store       eventlog.Store
	Checkpoints CheckpointStore
	// Upcaster, when set, publishes every event in its newest version.
	Upcaster Upcaster
	// AfterPublish, when set, is called after each event was acknowledged by
	// JetStream (tests, metrics).
	AfterPublish func(eventlog.RecordedEvent)
}

func (c *JetStreamConfig) setDefaults() {
	if c.Stream == "" {
		c.Stream = DefaultJetStreamName
	}
	if c.SubjectPrefix == "" {
		c.SubjectPrefix = DefaultJetStreamSubjectPrefix
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = DefaultJetStreamDuplicateWindow
	}
	if c.Name == "" {
		c.Name = DefaultJetStreamConsumer
	}
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = DefaultJetStreamCheckpointEvery
	}
	if c.RestartDelay <= 0 {
		c.RestartDelay = 2 * time.Second
	}
}

// Validate checks the configuration.
func (c JetStreamConfig) Validate() error {
	if c.URL == "" || c.Store == nil || c.Checkpoints == nil {
		return errors.New("messaging: jetstream: URL, Store and Checkpoints are required")
	}
	return nil
}

// Subject returns the subject an event of category is published to.
func (c JetStreamConfig) Subject(category string) string {
	return c.SubjectPrefix + "." + category
}

// EnsureJetStream creates the stream that holds "<prefix>.>" with the
// duplicate window (file storage, limits retention), or makes sure an
// existing one has that subject and window, keeping the rest of its
// configuration.
func EnsureJetStream(js nats.JetStreamManager, cfg JetStreamConfig) error {
	cfg.setDefaults()
	sc := &nats.StreamConfig{
		Name:       cfg.Stream,
		Subjects:   []string{cfg.SubjectPrefix + ".>"},
		Duplicates: cfg.DuplicateWindow,
		Storage:    nats.FileStorage,
		Retention:  nats.LimitsPolicy,
	}
	if info, err := js.StreamInfo(cfg.Stream); err == nil {
		// Keep what an operator set (retention, replicas, limits); only
		// make sure of the subjects and the duplicate window.
		c := info.Config
		if c.Duplicates == cfg.DuplicateWindow && slices.Contains(c.Subjects, sc.Subjects[0]) {
			return nil
		}
		c.Duplicates = cfg.DuplicateWindow
		if !slices.Contains(c.Subjects, sc.Subjects[0]) {
			c.Subjects = append(c.Subjects, sc.Subjects[0])
		}
		_, err = js.UpdateStream(&c)
		return err
	} else if !errors.Is(err, nats.ErrStreamNotFound) {
		return err
	}
	_, err := js.AddStream(sc)
	return err
}

// RunJetStreamPublisher publishes the event log to JetStream until ctx ends
// (it returns nil). Every event becomes one message on "<prefix>.<category>"
// with the event id as Nats-Msg-Id, the event data as payload and the
// Metadata* keys as headers (see NewEventMessage), published in log order,
// each acknowledged by JetStream before the next. Its checkpoint is saved
// after the acknowledgement, every CheckpointEvery events and when idle: after
// a crash it publishes again from the saved checkpoint, and JetStream drops
// the repeats within DuplicateWindow. Failures (NATS down) restart it after
// RestartDelay.
func RunJetStreamPublisher(ctx context.Context, cfg JetStreamConfig, logger watermill.LoggerAdapter) error {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	for {
		err := runJetStreamOnce(ctx, cfg, logger)
		if ctx.Err() != nil {
			return nil
		}
		logger.Error("JetStream publisher stopped; restarting", err, watermill.LogFields{"consumer": cfg.Name})
		if !sleep(ctx, cfg.RestartDelay) {
			return nil
		}
	}
}

func runJetStreamOnce(ctx context.Context, cfg JetStreamConfig, logger watermill.LoggerAdapter) error {
	nc, err := nats.Connect(cfg.URL, nats.Name("fiveapis-"+cfg.Name))
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return fmt.Errorf("JetStream: %w", err)
	}
	if err := EnsureJetStream(js, cfg); err != nil {
		return fmt.Errorf("JetStream stream %s: %w", cfg.Stream, err)
	}
	pub, err := wmnats.NewPublisherWithNatsConn(nc, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         wmnats.JetStreamConfig{TrackMsgId: true},
	}, logger)
	if err != nil {
		return fmt.Errorf("JetStream publisher: %w", err)
	}
	// pub.Close would close nc, which the deferred nc.Close does.

	sinceSave := 0
	save := func(ctx context.Context, pos eventlog.Position) error {
		sinceSave = 0
		return cfg.Checkpoints.SaveCheckpoint(ctx, cfg.Name, pos)
	}
	handle := func(ctx context.Context, ev eventlog.RecordedEvent, backlog bool) error {
		out := ev
		if cfg.Upcaster != nil {
			if out, err = cfg.Upcaster.Upcast(ev); err != nil {
				return StopConsumer(err)
			}
		}
		if len(cfg.Filter.EventTypes) == 0 || slices.Contains(cfg.Filter.EventTypes, out.Type) {
			msg := NewEventMessage(out)
			msg.SetContext(ctx)
			if err := pub.Publish(cfg.Subject(out.Category()), msg); err != nil {
				return fmt.Errorf("publish %s at %s: %w", out.ID, out.Position, err)
			}
			if cfg.AfterPublish != nil {
				cfg.AfterPublish(out)
			}
		}
		sinceSave++
		if !backlog || sinceSave >= cfg.CheckpointEvery {
			return save(ctx, ev.Position)
		}
		return nil
	}
	return RunConsumer(ctx, ConsumerConfig{
		Name:        cfg.Name,
		Filter:      eventlog.Filter{Categories: cfg.Filter.Categories},
		Progress:    len(cfg.Filter.Categories) > 0,
		Store:       cfg.Store,
		Checkpoints: cfg.Checkpoints,
		Handler:     EventHandler(handle, save),
		Router:      RouterConfig{Poison: PoisonStop},
	}, logger)
}
