// Package cards serves 002's card API under /api/card/: templates, batches,
// single-use cards, QR code zips, a user's cards, per-category lookup and
// statistics, with 002's envelopes, pagination and error codes.
//
// Authentication is the authn.Middleware the wiring installs on the server
// (Bearer JWTs and "Token <key>"); every route except the OpenAPI document, a
// card's QR image and a signed download link needs a caller, and the routes
// 002 marks "管理员权限" need an admin. docs/cards.md and the OpenAPI document
// (GET /api/card/openapi.json) describe the API.
package cards

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	cmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/access"
	domain "github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	query "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Prefix is the card API's path prefix.
const Prefix = "/api/card"

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Config configures the module.
type Config struct {
	// PublicURL is the base of absolute links (pagination, downloads, QR
	// images); empty: each request's scheme and host.
	PublicURL string
	// LinkSecret signs download links (at least 16 bytes).
	LinkSecret []byte
	// LinkTTL is how long a QR zip download link is valid. Default 24h.
	LinkTTL time.Duration
	// QRWait bounds how long generate_qrcodes waits for the zip before it
	// answers 202 with the link (which then serves the zip once built).
	// Default 60s.
	QRWait time.Duration
}

// Defaults of Config.
const (
	DefaultLinkTTL = 24 * time.Hour
	DefaultQRWait  = 60 * time.Second
)

// Validate checks the configuration.
func (c Config) Validate() error {
	if len(c.LinkSecret) < domain.MinSecretLength {
		return errors.New("cards: LinkSecret must have at least 16 bytes")
	}
	if c.LinkTTL < 0 || c.QRWait < 0 {
		return errors.New("cards: LinkTTL and QRWait must not be negative")
	}
	return nil
}

// Deps are the module's ports.
type Deps struct {
	Commands    *cmd.Handlers
	Queries     *query.Queries
	Exporter    *Exporter
	Clock       Clock
	Consistency httpapi.Consistency
	Logger      *slog.Logger
	Config      Config
}

// Module is the card API.
type Module struct {
	cmd      *cmd.Handlers
	q        *query.Queries
	exporter *Exporter
	clock    Clock
	cons     httpapi.Consistency
	log      *slog.Logger
	cfg      Config
	linkKey  []byte
}

// New returns the card module.
func New(d Deps) (*Module, error) {
	if d.Commands == nil || d.Queries == nil || d.Exporter == nil || d.Clock == nil {
		return nil, errors.New("cards: Commands, Queries, Exporter and Clock are required")
	}
	if err := d.Config.Validate(); err != nil {
		return nil, err
	}
	if d.Config.LinkTTL == 0 {
		d.Config.LinkTTL = DefaultLinkTTL
	}
	if d.Config.QRWait == 0 {
		d.Config.QRWait = DefaultQRWait
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Module{cmd: d.Commands, q: d.Queries, exporter: d.Exporter, clock: d.Clock, cons: d.Consistency,
		log: d.Logger, cfg: d.Config, linkKey: deriveKey(d.Config.LinkSecret, "fiveapis/cards/qr-download/v1")}, nil
}

// Mount implements httpapi.Routes.
func (m *Module) Mount(e *echo.Echo) {
	g := e.Group(Prefix)
	// exact registers a path; methods not listed answer 405 in the API's
	// envelope. route registers it with and without its trailing slash.
	exact := func(p string, handlers map[string]func(echo.Context) error) {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			h, ok := handlers[method]
			if !ok {
				h = m.methodNotAllowed(handlers)
			}
			g.Add(method, p, m.wrap(h))
		}
	}
	route := func(path string, handlers map[string]func(echo.Context) error) {
		exact(path, handlers)
		exact(strings.TrimSuffix(path, "/"), handlers)
	}
	route("/templates/", map[string]func(echo.Context) error{"GET": m.listTemplates, "POST": m.createTemplate})
	route("/templates/:id/", map[string]func(echo.Context) error{"GET": m.getTemplate, "PUT": m.putTemplate, "PATCH": m.patchTemplate, "DELETE": m.deleteTemplate})
	route("/batches/", map[string]func(echo.Context) error{"GET": m.listBatches, "POST": m.createBatch})
	route("/batches/:id/", map[string]func(echo.Context) error{"GET": m.getBatch, "PUT": m.putBatch, "PATCH": m.patchBatch, "DELETE": m.deleteBatch})
	route("/batches/:id/publish/", map[string]func(echo.Context) error{"POST": m.publishBatch})
	route("/batches/:id/unpublish/", map[string]func(echo.Context) error{"POST": m.unpublishBatch})
	route("/batches/:id/generate_qrcodes/", map[string]func(echo.Context) error{"POST": m.generateQRCodes})
	route("/cards/", map[string]func(echo.Context) error{"GET": m.listCards, "POST": m.addCard})
	route("/cards/use/", map[string]func(echo.Context) error{"POST": m.useCard})
	route("/cards/:id/", map[string]func(echo.Context) error{"GET": m.getCard})
	route("/user/cards/", map[string]func(echo.Context) error{"GET": m.userCards})
	route("/category/:category/", map[string]func(echo.Context) error{"GET": m.byCategory})
	route("/statistics/", map[string]func(echo.Context) error{"GET": m.statistics})
	exact("/downloads/batches/:id/qrcodes.zip", map[string]func(echo.Context) error{"GET": m.download})
	exact("/qr/:file", map[string]func(echo.Context) error{"GET": m.qrImage})
	exact("/openapi.json", map[string]func(echo.Context) error{"GET": m.openAPI})
	g.RouteNotFound("/*", m.wrap(func(c echo.Context) error { return errRoute }))
}

// wrap renders a handler's error in the error envelope.
func (m *Module) wrap(h func(echo.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := h(c); err != nil {
			return m.fail(c, err)
		}
		return nil
	}
}

func (m *Module) methodNotAllowed(handlers map[string]func(echo.Context) error) func(echo.Context) error {
	allow := ""
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := handlers[method]; ok {
			if allow != "" {
				allow += ", "
			}
			allow += method
		}
	}
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderAllow, allow)
		return errMethod.With(map[string]any{"allowed_methods": allow})
	}
}

// caller returns the authenticated caller or UNAUTHORIZED.
func (m *Module) caller(c echo.Context) (authn.Principal, error) {
	if p, ok := authn.From(c); ok {
		return p, nil
	}
	if err := authn.Err(c); err != nil {
		if !errors.Is(err, authn.ErrInvalidCredentials) {
			m.log.Warn("card api: credential check failed", "err", err)
		}
		return authn.Principal{}, errBadCredentials
	}
	return authn.Principal{}, errUnauthenticated
}

// admin returns the caller if it is an admin: UNAUTHORIZED without one,
// INSUFFICIENT_PERMISSION for anyone else.
func (m *Module) admin(c echo.Context) (authn.Principal, error) {
	p, err := m.caller(c)
	if err != nil {
		return p, err
	}
	if !p.IsAdmin {
		return p, domain.ErrInsufficientPermission
	}
	return p, nil
}

func actor(p authn.Principal) access.Actor { return httpapi.ActorOf(p) }

// after sets the X-Event-Position header and waits for the card projections
// the command's events change (read-your-writes).
func (m *Module) after(c echo.Context, pos eventlog.Position, projections ...string) {
	m.cons.AfterCommand(c, pos, projections...)
}

// The projections each kind of command changes.
var (
	afterTemplate    = []string{query.TemplatesSchema}
	afterBatchCreate = []string{query.BatchesSchema, query.StatsSchema}
	afterBatchChange = []string{query.BatchesSchema}
	afterUse         = []string{query.UsageSchema, query.StatsSchema}
)
