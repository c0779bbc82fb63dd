package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/redis/go-redis/v9"

	cardcmd "github.com/fiveapis/backend/commands/cards"
	cards "github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	cardproj "github.com/fiveapis/backend/projections/cards"
	cardq "github.com/fiveapis/backend/queries/cards"
	cardhttp "github.com/fiveapis/backend/transport/httpapi/cards"
)

// cardEvents lists the card module's events for the codec.
func cardEvents() []eventlog.Event { return cards.Events() }

// mountCards wires the card system (002): projectors, HTTP routes and the QR
// zip worker. It appends to a.projectors, a.modules and a.workers.
//
// Card codes and download links are signed with keys derived from the secret;
// use attempts are limited per user and per IP with counters in Redis
// (REDIS_URL; in process while Redis is down); QR zips go to
// $DATA_DIR/qrcodes, built on demand by the exporter's own goroutines.
func (a *App) mountCards(ctx context.Context) error {
	signer, err := cards.NewCodeSigner(a.secret)
	if err != nil {
		return fmt.Errorf("cards: SECRET_KEY: %w", err)
	}
	var client *redis.Client
	if a.cfg.RedisURL != "" {
		opt, err := redis.ParseURL(a.cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		client = redis.NewClient(opt)
		a.closers = append(a.closers, func() { _ = client.Close() })
	}
	var limiter cardcmd.UseLimiter
	if a.cfg.CardUseLimitPerUser > 0 || a.cfg.CardUseLimitPerIP > 0 {
		limiter = cardhttp.NewUseLimiter(client, cardhttp.LimitConfig{PerUser: a.cfg.CardUseLimitPerUser, PerIP: a.cfg.CardUseLimitPerIP}, a.logger)
	}
	qrBase := cardcmd.DefaultConfig.DefaultQRBaseURL
	if a.cfg.PublicURL != "" {
		qrBase = a.cfg.PublicURL + "/cards/"
	}
	cmds := cardcmd.New(a.runner, a.clock, signer, limiter, cardcmd.Config{DefaultQRBaseURL: qrBase})
	a.workers = append(a.workers, func(ctx context.Context) error { return cmds.FollowCatalog(ctx, a.store) })
	exporter, err := cardhttp.NewExporter(cardhttp.ExporterConfig{Dir: filepath.Join(a.cfg.DataDir, "qrcodes"), Logger: a.logger}, signer, cmds)
	if err != nil {
		return err
	}
	mod, err := cardhttp.New(cardhttp.Deps{
		Commands:    cmds,
		Queries:     cardq.New(a.pool, signer),
		Exporter:    exporter,
		Clock:       a.clock,
		Consistency: a.consistency,
		Logger:      a.logger,
		Config:      cardhttp.Config{PublicURL: a.cfg.PublicURL, LinkSecret: a.secret},
	})
	if err != nil {
		return err
	}
	a.projectors = append(a.projectors, cardproj.All()...)
	a.modules = append(a.modules, mod)
	return nil
}
