// Package console is the operator console: server-rendered HTML pages under
// /console/ (html/template, templates and assets embedded in the binary, no
// front-end build) over the same ports as the operators' JSON API
// (transport/httpapi/operations) and logctl:
//
//   - consumers: every projector, reaction and job with checkpoint, lag,
//     parked count, state and last error; a projector's blue/green rebuild
//     with a progress bar (the rebuild's checkpoint against the head);
//   - parked events, with replay and skip;
//   - the event browser (by stream, category, type, correlation id and
//     time, paged by position) and an aggregate's state at any version of
//     its stream (domain/replay, as logctl state);
//   - the log's outlets: the SSE stream's consumers and the JetStream
//     publisher with the consumers the NATS server knows;
//   - the outboxes: the mail reactions with their parked deliveries, and
//     the webhook deliveries.
//
// An administrator logs in with a username and password (the identity
// commands) and gets an HttpOnly, SameSite=Strict session cookie limited to
// /console/; every POST carries a CSRF token (httpapi.CSRFToken). Anonymous
// requests are sent to the login page, other users get 403. Every refusal
// is an HTML page; a bad query parameter is a 400 page naming it.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/operations"
)

// Prefix is where the console is served.
const Prefix = "/console"

// Identity checks an operator's password (the identity commands).
type Identity interface {
	Login(ctx context.Context, cmd identitycmd.Login) (identitycmd.LoggedIn, error)
}

// Users reads the account behind a session (the identity read model).
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
}

// Sessions keeps the console's logins (shared by every server process).
type Sessions interface {
	// Login starts a session of user and returns its secret id.
	Login(ctx context.Context, userID int64, now time.Time) (id string, expires time.Time, err error)
	// UserOf returns the user of a live session (ok false: none).
	UserOf(ctx context.Context, id string, now time.Time) (userID int64, ok bool, err error)
	// Logout ends the session.
	Logout(ctx context.Context, id string) error
}

// Log reads the event log (eventlog.Store's reads).
type Log interface {
	ReadStream(ctx context.Context, stream string, opts eventlog.ReadStreamOptions) ([]eventlog.RecordedEvent, error)
	ReadAll(ctx context.Context, opts eventlog.ReadAllOptions) ([]eventlog.RecordedEvent, error)
}

// WebhookDelivery is one recorded webhook delivery.
type WebhookDelivery struct {
	EndpointID int64
	EventID    string
	Kind       string
	TripID     int64
	Attempts   int
	LastStatus int
	LastError  string
	Delivered  bool
	Parked     bool
	// Replays counts the operators' replays of it after it was parked.
	Replays int
	FirstAt time.Time
	LastAt  time.Time
}

// Webhooks lists the latest webhook deliveries of every endpoint.
type Webhooks interface {
	RecentDeliveries(ctx context.Context, limit int) ([]WebhookDelivery, error)
}

// SSEConsumer is an analytics consumer configured for GET /events/stream.
type SSEConsumer struct {
	Name string
	// Categories it may read (empty: all).
	Categories []string
}

// JetStream describes the JetStream publisher (nil Outlets.JetStream: none
// configured).
type JetStream struct {
	// Reaction is the publisher's name among the consumers.
	Reaction      string
	Stream        string
	SubjectPrefix string
	Categories    []string
	EventTypes    []string
	// Consumers lists the stream's consumers on the NATS server.
	Consumers func(ctx context.Context) ([]JetStreamConsumer, error)
}

// JetStreamConsumer is one consumer of the JetStream stream, as the NATS
// server reports it.
type JetStreamConsumer struct {
	Name          string
	Durable       bool
	FilterSubject string
	// Delivered is the last stream sequence delivered; AckFloor the last
	// one acknowledged with all before it.
	Delivered   uint64
	AckFloor    uint64
	Pending     uint64
	AckPending  int
	Redelivered int
	Waiting     int
	Created     time.Time
}

// Outlets are the log's consumers outside the process.
type Outlets struct {
	SSEConsumers []SSEConsumer
	// SSEOpen lists the streams open in this process (nil: not known).
	SSEOpen   func() []OpenStream
	JetStream *JetStream
}

// OpenStream is an SSE connection open in this process.
type OpenStream struct {
	Consumer   string
	Categories []string
	Since      time.Time
	// Position is the last event sent ("" before the first).
	Position string
	Sent     uint64
}

// Deps are the console's ports.
type Deps struct {
	Identity    Identity
	Users       Users
	Sessions    Sessions
	Projections operations.Projections
	Mail        operations.Mail
	Log         Log
	Decoder     eventlog.Decoder
	Webhooks    Webhooks
	Outlets     Outlets
	// MailPrefix names the mail reactions among the consumers; Webhook
	// names the webhook reaction and job.
	MailPrefix string
	Webhook    []string
	Clock      interface{ Now() time.Time }
	Logger     *slog.Logger
}

// Module mounts the console.
type Module struct {
	d     Deps
	pages pages
}

// New returns the console over its ports.
func New(d Deps) (*Module, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Module{d: d, pages: p}, nil
}

// Mount implements httpapi.Routes.
//
//	GET  /console/                         → the consumers page
//	GET  /console/login/                   the login form; POST logs in
//	POST /console/logout/
//	GET  /console/static/*                 the stylesheet and script
//	GET  /console/consumers/               every consumer
//	GET  /console/consumers/{name}/        one consumer, its rebuild's progress bar and parked events
//	GET  /console/consumers/{name}/progress/   the rebuild's progress (JSON, polled by the page)
//	POST /console/consumers/{name}/rebuild/
//	GET  /console/parked/                  parked events (?consumer=)
//	POST /console/parked/{id}/replay/, /console/parked/{id}/skip/
//	GET  /console/events/                  the event browser
//	GET  /console/state/                   an aggregate's state (?stream=, &version= or &at=)
//	GET  /console/outlets/                 the SSE stream's and JetStream's consumers
//	GET  /console/outbox/                  mail and webhook deliveries
//	POST /console/mail/{id}/replay/
func (m *Module) Mount(e *echo.Echo) {
	e.GET(Prefix+"/static/*", m.static)
	e.GET(Prefix, func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, Prefix+"/") })
	open := httpapi.NewRouter(e, Prefix, m.render).ExemptFromCSRF().With(m.csrf)
	open.GET("/login/", m.loginForm)
	open.POST("/login/", m.login)
	r := open.With(m.requireAdmin)
	r.GET("/", m.home)
	r.POST("/logout/", m.logout)
	r.GET("/consumers/", m.consumers)
	r.GET("/consumers/:name/", m.consumer)
	r.GET("/consumers/:name/progress/", m.progress)
	r.POST("/consumers/:name/rebuild/", m.rebuild)
	r.GET("/parked/", m.parked)
	r.POST("/parked/:id/replay/", m.replayParked)
	r.POST("/parked/:id/skip/", m.skipParked)
	r.GET("/events/", m.events)
	r.GET("/state/", m.state)
	r.GET("/outlets/", m.outlets)
	r.GET("/outbox/", m.outbox)
	r.POST("/mail/:id/replay/", m.replayMail)
}
