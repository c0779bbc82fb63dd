package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Sender delivers a message (SMTPSender; tests may use another).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Renderer turns an event into a message; ok false means the event needs no
// mail (or no longer: its recipient was erased).
type Renderer func(ctx context.Context, env eventlog.Envelope) (m Message, ok bool, err error)

// Defaults of a mail reaction's retries: attempts per mail before it is
// parked, and the first pause between two, doubled after each.
const (
	DefaultMaxAttempts = 5
	DefaultBackoff     = time.Second
)

// NewReaction returns the reaction that sends the mail of events: the
// projection engine hands it every event filter lets through, in log order,
// from its checkpoint, in one process at a time; render turns the event into
// a message and sender delivers it. A delivery that keeps failing is retried
// (MaxAttempts, Backoff: set them on the result to change the defaults), then
// parked in the engine where an operator lists and replays it. Delivery is
// at least once: a crash between sending and saving the checkpoint sends
// again, with the same Message-ID (derived from the event id), so that
// receiving systems can drop the repeat. name is the reaction's checkpoint
// key (e.g. "mail_guides").
func NewReaction(name string, filter eventlog.Filter, render Renderer, sender Sender) eventlog.Reaction {
	return eventlog.Reaction{
		Name:        name,
		Filter:      filter,
		MaxAttempts: DefaultMaxAttempts,
		Backoff:     DefaultBackoff,
		Handle: func(ctx context.Context, env eventlog.Envelope) error {
			m, ok, err := render(ctx, env)
			if err != nil {
				return fmt.Errorf("mail %s: render: %w", name, err)
			}
			if !ok {
				return nil
			}
			if m.ID == "" {
				m.ID = env.Recorded.ID
			}
			if err := sender.Send(ctx, m); err != nil {
				return fmt.Errorf("mail %s: send: %w", name, err)
			}
			return nil
		},
	}
}
