package app

import (
	"context"
	"fmt"
	"path/filepath"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardsproj "github.com/fiveapis/backend/projections/cards"
	cardsq "github.com/fiveapis/backend/queries/cards"
	cardhttp "github.com/fiveapis/backend/transport/httpapi/cards"
	"github.com/fiveapis/backend/transport/qrcodes"
	"github.com/fiveapis/backend/transport/ratelimit"
)

// wireCards builds the card system (002): projectors, routes, the catalog
// cache that follows the log in every process, and the QR zip exporter.
//
// Card codes and download links are signed with keys derived from the
// secret; use attempts are limited per user and per IP with counters in
// Redis (in process while Redis is down); QR zips go to $DATA_DIR/qrcodes,
// built on demand by the exporter's own goroutines.
func wireCards(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "cards", Events: cards.Events(), Projectors: cardsproj.All()}
	signer, err := cards.NewCodeSigner(p.Secret)
	if err != nil {
		return m, fmt.Errorf("cards: SECRET_KEY: %w", err)
	}
	cfg := p.Config
	var limiter cardscmd.UseLimiter
	if cfg.Cards.UseLimitPerUser > 0 || cfg.Cards.UseLimitPerIP > 0 {
		limiter = ratelimit.NewCardUses(p.Redis, ratelimit.CardUseLimits{PerUser: cfg.Cards.UseLimitPerUser, PerIP: cfg.Cards.UseLimitPerIP}, p.Logger)
	}
	qrBase := cardscmd.DefaultConfig.DefaultQRBaseURL
	if cfg.HTTP.PublicURL != "" {
		qrBase = cfg.HTTP.PublicURL + "/cards/"
	}
	cmds := cardscmd.New(p.Runner, p.Clock, signer, limiter, cardscmd.Config{DefaultQRBaseURL: qrBase})
	m.Background = append(m.Background, func(ctx context.Context) error { return cmds.FollowCatalog(ctx, p.Store) })
	// The exporter records built zips through the commands, as the system.
	recorder := qrcodes.RecorderFunc(func(ctx context.Context, batchID int64, generated cards.QRCodesGenerated, meta eventlog.Metadata) error {
		_, err := cmds.RecordQRCodes(ctx, cardscmd.RecordQRCodes{Actor: access.System, BatchID: batchID, Generated: generated, Meta: meta})
		return err
	})
	exporter, err := qrcodes.New(qrcodes.Config{Dir: filepath.Join(cfg.DataDir, "qrcodes"), Logger: p.Logger}, signer, recorder)
	if err != nil {
		return m, fmt.Errorf("cards: %w", err)
	}
	routes, err := cardhttp.New(cardhttp.Deps{
		Commands: cmds,
		Queries:  cardsq.New(p.Pool, signer),
		QRCodes:  exporter,
		Clock:    p.Clock,
		Logger:   p.Logger,
		Config:   cardhttp.Config{PublicURL: cfg.HTTP.PublicURL, LinkSecret: p.Secret},
	})
	if err != nil {
		return m, fmt.Errorf("cards: %w", err)
	}
	m.Routes = append(m.Routes, routes)
	return m, nil
}
