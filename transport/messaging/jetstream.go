package messaging

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"

	"github.com/fiveapis/backend/domain/eventlog"
)

// ConsumerForms returns an event as consumers outside the process may see
// it: its newest version without secrets and personal data (the codec's
// ConsumerForm, see eventlog.HiddenFromConsumers).
type ConsumerForms interface {
	ConsumerForm(eventlog.RecordedEvent) (eventlog.RecordedEvent, error)
}

// Defaults of JetStreamConfig.
const (
	DefaultJetStreamName            = "FIVEAPIS_EVENTS"
	DefaultJetStreamSubjectPrefix   = "fiveapis.events"
	DefaultJetStreamDuplicateWindow = 10 * time.Minute
	DefaultJetStreamConsumer        = "jetstream"
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
	// Name is the reaction's name and checkpoint key; default
	// DefaultJetStreamConsumer.
	Name string

	// Forms, when set, publishes every event in its consumer-facing form
	// (newest version, no secrets or personal data).
	Forms ConsumerForms
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
}

// Validate checks the configuration.
func (c JetStreamConfig) Validate() error {
	if c.URL == "" {
		return errors.New("messaging: jetstream: URL is required")
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

// NewJetStreamReaction returns the reaction that publishes the event log to
// JetStream; the projection engine runs it (in one process at a time, from
// its checkpoint). Every event becomes one message on "<prefix>.<category>"
// with the event id as Nats-Msg-Id, the event data as payload and the
// Metadata* keys as headers (see NewEventMessage), in its newest version
// (Forms), published in log order, each acknowledged by JetStream before
// the next. The engine saves the checkpoint after the acknowledgements: after
// a crash it publishes again from the saved checkpoint, and JetStream drops
// the repeats within DuplicateWindow. The reaction is Raw: events reach it as
// stored, so an event the codec cannot decode is published all the same.
//
// Each run of the reaction connects to NATS and makes sure of the stream
// (EnsureJetStream); the engine closes the connection when the run ends. A
// failed publish is eventlog.ErrUnavailable (NATS or JetStream down): the
// reaction stops at the event and the engine starts it again later, so
// nothing is published out of order. Only an event NATS refuses for itself
// (larger than the server's max payload) or that cannot be upcast is retried
// and then parked.
func NewJetStreamReaction(cfg JetStreamConfig, logger watermill.LoggerAdapter) (eventlog.Reaction, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return eventlog.Reaction{}, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	return eventlog.Reaction{
		Name:   cfg.Name,
		Filter: eventlog.Filter{Categories: cfg.Filter.Categories},
		Raw:    true,
		Open: func(ctx context.Context) (eventlog.ReactionFunc, func(), error) {
			return openJetStream(cfg, logger)
		},
	}, nil
}

// openJetStream connects to NATS, makes sure of the stream and returns the
// function that publishes one event, and the one that closes the connection.
func openJetStream(cfg JetStreamConfig, logger watermill.LoggerAdapter) (eventlog.ReactionFunc, func(), error) {
	nc, err := nats.Connect(cfg.URL, nats.Name("fiveapis-"+cfg.Name))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS: %w", err)
	}
	js, err := nc.JetStream()
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream: %w", err)
	}
	if err := EnsureJetStream(js, cfg); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream stream %s: %w", cfg.Stream, err)
	}
	pub, err := wmnats.NewPublisherWithNatsConn(nc, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         wmnats.JetStreamConfig{TrackMsgId: true},
	}, logger)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream publisher: %w", err)
	}
	// pub.Close would close nc, which the returned close does.
	publish := func(ctx context.Context, env eventlog.Envelope) error {
		out := env.Recorded
		if cfg.Forms != nil {
			var err error
			if out, err = cfg.Forms.ConsumerForm(env.Recorded); err != nil {
				return fmt.Errorf("consumer form: %w", err)
			}
		}
		if len(cfg.Filter.EventTypes) > 0 && !slices.Contains(cfg.Filter.EventTypes, out.Type) {
			return nil
		}
		msg := NewEventMessage(out)
		msg.SetContext(ctx)
		if err := pub.Publish(cfg.Subject(out.Category()), msg); err != nil {
			err = fmt.Errorf("publish %s at %s: %w", out.ID, out.Position, err)
			if errors.Is(err, nats.ErrMaxPayload) {
				return err
			}
			return fmt.Errorf("%w: %w", eventlog.ErrUnavailable, err)
		}
		if cfg.AfterPublish != nil {
			cfg.AfterPublish(out)
		}
		return nil
	}
	return publish, nc.Close, nil
}

// JetStreamConsumer is one consumer of the publisher's stream as the NATS
// server reports it (the operator console shows them).
type JetStreamConsumer struct {
	Name          string
	Durable       bool
	FilterSubject string
	// Delivered is the last stream sequence delivered; AckFloor the last
	// one acknowledged together with every one before it.
	Delivered   uint64
	AckFloor    uint64
	Pending     uint64
	AckPending  int
	Redelivered int
	Waiting     int
	Created     time.Time
}

// JetStreamConsumers asks the NATS server for the consumers of the
// configured stream (none when the stream does not exist yet), on a
// connection of its own that it closes.
func JetStreamConsumers(ctx context.Context, cfg JetStreamConfig) ([]JetStreamConsumer, error) {
	cfg.setDefaults()
	nc, err := nats.Connect(cfg.URL, nats.Name("fiveapis-console"), nats.Timeout(2*time.Second), nats.MaxReconnects(0))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.Context(ctx))
	if err != nil {
		return nil, fmt.Errorf("JetStream: %w", err)
	}
	var out []JetStreamConsumer
	for ci := range js.ConsumersInfo(cfg.Stream, nats.Context(ctx)) {
		filter := ci.Config.FilterSubject
		if filter == "" && len(ci.Config.FilterSubjects) > 0 {
			filter = strings.Join(ci.Config.FilterSubjects, ", ")
		}
		out = append(out, JetStreamConsumer{Name: ci.Name, Durable: ci.Config.Durable != "", FilterSubject: filter,
			Delivered: ci.Delivered.Stream, AckFloor: ci.AckFloor.Stream, Pending: ci.NumPending, AckPending: ci.NumAckPending,
			Redelivered: ci.NumRedelivered, Waiting: ci.NumWaiting, Created: ci.Created})
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("JetStream consumers of %s: %w", cfg.Stream, err)
	}
	return out, nil
}
