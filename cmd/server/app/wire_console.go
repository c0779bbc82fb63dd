package app

import (
	"context"
	"time"

	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/console"
	"github.com/fiveapis/backend/transport/messaging"
	"github.com/fiveapis/backend/transport/sessions"
	webhookstransport "github.com/fiveapis/backend/transport/webhooks"
)

// wireConsole builds the operator console (/console/): server-rendered
// pages over the ports the operators' JSON API uses (the engine's
// consumers, parked events, rebuilds, parked mail), the event log with the
// domain's replayers, the log's outlets (SSE consumers, JetStream) and the
// webhook deliveries. Operators log in with an admin account (the identity
// commands, with their attempt limits) into a session of the shared session
// store.
func wireConsole(_ context.Context, p *Platform) (Module, error) {
	cmds, err := identityCommands(p)
	if err != nil {
		return Module{}, err
	}
	cmds.SetLimits(identityLimits(p))
	cfg := p.Config
	outlets := console.Outlets{SSEOpen: func() []console.OpenStream {
		open := p.OpenStreams.Open()
		out := make([]console.OpenStream, len(open))
		for i, o := range open {
			out[i] = console.OpenStream(o)
		}
		return out
	}}
	for _, c := range cfg.Ops.EventStreamConsumers {
		outlets.SSEConsumers = append(outlets.SSEConsumers, console.SSEConsumer{Name: c.Name, Categories: c.Categories})
	}
	if cfg.NATS.URL != "" {
		js := JetStreamConfig(p)
		name := js.Name
		if name == "" {
			name = messaging.DefaultJetStreamConsumer
		}
		stream := js.Stream
		if stream == "" {
			stream = messaging.DefaultJetStreamName
		}
		prefix := js.SubjectPrefix
		if prefix == "" {
			prefix = messaging.DefaultJetStreamSubjectPrefix
		}
		outlets.JetStream = &console.JetStream{Reaction: name, Stream: stream, SubjectPrefix: prefix,
			Categories: js.Filter.Categories, EventTypes: js.Filter.EventTypes,
			Consumers: func(ctx context.Context) ([]console.JetStreamConsumer, error) {
				cs, err := messaging.JetStreamConsumers(ctx, js)
				out := make([]console.JetStreamConsumer, len(cs))
				for i, c := range cs {
					out[i] = console.JetStreamConsumer(c)
				}
				return out, err
			}}
	}
	mod, err := console.New(console.Deps{
		Identity:    cmds,
		Users:       identityq.New(identityproj.NewReader(p.Pool)),
		Sessions:    consoleSessions{sessions.New(p.Pool, consoleSessionTTL)},
		Projections: engineOps{p},
		Mail:        mailOps{p},
		Log:         p.Store,
		Decoder:     p.Codec,
		Webhooks:    consoleWebhooks{webhookstransport.New(p.Pool, p.Secret, 0)},
		Outlets:     outlets,
		MailPrefix:  MailReactionPrefix,
		Webhook:     []string{WebhookReactionName, WebhookJobName},
		Clock:       p.Clock,
		Logger:      p.Logger,
	})
	if err != nil {
		return Module{}, err
	}
	return Module{Name: "console", Routes: []httpapi.Routes{mod}}, nil
}

// consoleSessionTTL is how long an operator's console login lasts.
const consoleSessionTTL = 8 * time.Hour

// consoleSessions adapts the session store to the console's port.
type consoleSessions struct{ s *sessions.Store }

func (c consoleSessions) Login(ctx context.Context, userID int64, now time.Time) (string, time.Time, error) {
	s, err := c.s.New(ctx, now)
	if err != nil {
		return "", time.Time{}, err
	}
	return s.ID, s.ExpiresAt, c.s.SetUser(ctx, s.ID, userID)
}

func (c consoleSessions) UserOf(ctx context.Context, id string, now time.Time) (int64, bool, error) {
	s, ok, err := c.s.Get(ctx, id, now)
	if err != nil || !ok || s.UserID == 0 {
		return 0, false, err
	}
	return s.UserID, true, nil
}

func (c consoleSessions) Logout(ctx context.Context, id string) error { return c.s.Delete(ctx, id) }

// consoleWebhooks adapts the webhook sender's records to the console's port.
type consoleWebhooks struct{ s *webhookstransport.Sender }

func (c consoleWebhooks) RecentDeliveries(ctx context.Context, limit int) ([]console.WebhookDelivery, error) {
	ds, err := c.s.Recent(ctx, limit)
	out := make([]console.WebhookDelivery, len(ds))
	for i, d := range ds {
		out[i] = console.WebhookDelivery(d)
	}
	return out, err
}
