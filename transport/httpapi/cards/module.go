// Package cards serves 002's card API under /api/card/: templates, batches,
// single-use cards, QR code zips, a user's cards, per-category lookup and
// statistics, with 002's envelopes, pagination and error codes.
//
// Authentication is the authn.Middleware the wiring installs on the server
// (Bearer JWTs and "Token <key>"); every route except the OpenAPI document, a
// card's QR image and a signed download link needs a caller, and the routes
// 002 marks "管理员权限" need an admin: routes.go lists each route with its
// middleware (auth.go). Handlers return errors, which the one error table
// (errors.go) renders in 002's envelope. docs/cards.md and the OpenAPI
// document (GET /api/card/openapi.json, served by package apidoc from
// apidoc/openapi/cards.yaml) describe the API.
package cards

import (
	"context"
	"errors"
	"log/slog"
	"time"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/cards"
	cardsq "github.com/fiveapis/backend/queries/cards"
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
	if len(c.LinkSecret) < cards.MinSecretLength {
		return errors.New("cards: LinkSecret must have at least 16 bytes")
	}
	if c.LinkTTL < 0 || c.QRWait < 0 {
		return errors.New("cards: LinkTTL and QRWait must not be negative")
	}
	return nil
}

// QRCodes renders cards' QR codes (transport/qrcodes implements it).
type QRCodes interface {
	// PNG renders content (a card's qr_code URL) as a QR code PNG.
	PNG(content string) ([]byte, error)
	// Zip returns the path of the batch's zip of QR code PNGs on disk,
	// building it first when it is not there; ctx bounds the wait, not the
	// build, which goes on.
	Zip(ctx context.Context, b cards.Batch) (string, error)
}

// Deps are the module's ports.
type Deps struct {
	Commands *cardscmd.Handlers
	Queries  *cardsq.Queries
	QRCodes  QRCodes
	Clock    Clock
	Logger   *slog.Logger
	Config   Config
}

// Module is the card API.
type Module struct {
	cmd     *cardscmd.Handlers
	q       *cardsq.Queries
	qrcodes QRCodes
	clock   Clock
	log     *slog.Logger
	cfg     Config
	linkKey []byte
}

// New returns the card module.
func New(d Deps) (*Module, error) {
	if d.Commands == nil || d.Queries == nil || d.QRCodes == nil || d.Clock == nil {
		return nil, errors.New("cards: Commands, Queries, QRCodes and Clock are required")
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
	return &Module{cmd: d.Commands, q: d.Queries, qrcodes: d.QRCodes, clock: d.Clock,
		log: d.Logger, cfg: d.Config, linkKey: deriveKey(d.Config.LinkSecret, "fiveapis/cards/qr-download/v1")}, nil
}
