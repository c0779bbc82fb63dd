// Package app wires the server: configuration, the event store, the codec,
// the command runner, the projection engine and the HTTP modules of the five
// seed APIs. All wiring happens here; the packages it assembles know nothing of
// each other beyond the ports they declare.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/fiveapis/backend/cmd/server/pgboot"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/messaging"
)

// DatabaseName is the database the zero-configuration start creates.
const DatabaseName = "backend"

// Options are what tests (and only tests) change beyond Config.
type Options struct {
	// Clock replaces the wall clock of command handlers.
	Clock handling.Clock
	// CheapPasswordHashing uses minimal argon2id parameters, so tests that
	// create many accounts stay fast. Never for production.
	CheapPasswordHashing bool
}

// App is the assembled server.
type App struct {
	cfg    Config
	opts   Options
	logger *slog.Logger

	pgServer *pgboot.Server
	pool     *pgxpool.Pool
	store    eventlog.Store
	closers  []func()

	codec       *codec.Registry
	streams     *eventstore.Streams
	runner      *handling.Runner
	clock       handling.Clock
	secret      []byte
	consistency httpapi.Consistency

	projectors       []engine.Projector
	reactions        []eventlog.Reaction
	jobs             []eventlog.Job
	modules          []httpapi.Module
	verifiers        []authn.Verifier
	requestVerifiers []authn.RequestVerifier
	workers          []func(ctx context.Context) error
	startup          []func(ctx context.Context) error

	engine *engine.Engine
	echo   *echo.Echo

	// identity holds the identity module's parts (identity.go, mail.go).
	identity identityParts
	// mail names the mail reactions added with addMailReaction (mailops.go).
	mail mailParts

	// metrics and shutdown: see metrics.go and stream.go.
	metrics  *metrics
	shutdown chan struct{}
}

// events lists every event type of every module, for the codec.
func events() []eventlog.Event {
	return slices.Concat(sequence.Events(), identityEvents(), cardEvents(), meetingRoomEvents(), contactEvents(), activityEvents(), guideEvents(), repairEvents(), clockInEvents())
}

// New assembles the server. Close releases what it holds.
func New(ctx context.Context, cfg Config, opts Options, logger *slog.Logger) (a *App, err error) {
	a = &App{cfg: cfg, opts: opts, logger: logger, clock: opts.Clock}
	if a.clock == nil {
		a.clock = wallClock{}
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := a.openDatabase(ctx); err != nil {
		return a, err
	}
	if err := a.loadSecret(ctx); err != nil {
		return a, err
	}
	if err := a.openEventStore(ctx); err != nil {
		return a, err
	}
	if a.codec, err = NewCodec(); err != nil {
		return a, err
	}
	a.metrics = newMetrics()
	a.store = instrumentStore(a.store, a.metrics)
	a.streams = eventstore.NewStreams(a.store, a.codec)
	a.runner = handling.NewRunner(a.streams, handling.Config{})
	a.consistency = httpapi.Consistency{Waiter: a, Timeout: cfg.ConsistencyWait}

	// Identity first: it provides the verifiers every other module relies on.
	for _, mount := range []func(context.Context) error{a.mountIdentity, a.mountCards, a.mountMeetingRooms, a.mountContacts, a.mountActivities, a.mountGuides, a.mountRepairs, a.mountClockIn, a.mountOperations, a.mountMailOperations, a.mountEvents} {
		if err := mount(ctx); err != nil {
			return a, err
		}
	}
	if err := engine.Migrate(ctx, a.pool); err != nil {
		return a, fmt.Errorf("projection engine migrations: %w", err)
	}
	a.engine, err = engine.New(a.pool, a.store, a.codec, engine.Config{
		Transport: a.transport(), Reactions: a.reactions, Jobs: a.jobs, Clock: a.clock, Logger: logger,
	}, a.projectors...)
	if err != nil {
		return a, fmt.Errorf("projection engine: %w", err)
	}
	a.closers = append(a.closers, a.engine.Close)

	a.echo = httpapi.NewEcho(httpapi.Config{Addr: cfg.HTTPAddr}, logger, a.modules...)
	a.echo.Pre(authn.Middleware(a.verifiers, a.requestVerifiers...))
	a.echo.Use(a.metrics.middleware)
	a.mountObservability()
	a.echo.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	return a, nil
}

// Handler is the HTTP handler of every API.
func (a *App) Handler() http.Handler { return a.echo }

// Engine is the projection engine (operators and tests).
func (a *App) Engine() *engine.Engine { return a.engine }

// Store is the event log.
func (a *App) Store() eventlog.Store { return a.store }

// Pool is the read-model database.
func (a *App) Pool() *pgxpool.Pool { return a.pool }

// WaitFor implements httpapi.PositionWaiter with the projection engine.
func (a *App) WaitFor(ctx context.Context, pos eventlog.Position, projections ...string) error {
	if a.engine == nil {
		return nil
	}
	return a.engine.WaitFor(ctx, pos, projections...)
}

// Known implements identityauth.ReadModelVersions with the projection
// engine: the checkpoint of a projection as this process knows it.
func (a *App) Known(ctx context.Context, projection string) (eventlog.Position, error) {
	if a.engine == nil {
		return eventlog.Position{}, errors.New("projection engine not started")
	}
	return a.engine.Known(ctx, projection)
}

// RunBackground runs the start-up tasks (bootstrap accounts), the projection
// engine (projectors, reactions, jobs) and the module workers until ctx ends.
func (a *App) RunBackground(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.engine.Run(ctx) })
	for _, w := range a.workers {
		g.Go(func() error { return w(ctx) })
	}
	for _, s := range a.startup {
		if err := s(ctx); err != nil {
			return err
		}
	}
	return g.Wait()
}

// Run serves HTTP and runs the background parts until ctx ends.
func (a *App) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.RunBackground(ctx) })
	g.Go(func() error { return a.serveDebug(ctx) })
	g.Go(func() error { return httpapi.Serve(ctx, httpapi.Config{Addr: a.cfg.HTTPAddr}, a.echo, a.logger) })
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Close releases the database, the event store and a private PostgreSQL.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
	if a.pgServer != nil {
		if err := a.pgServer.Stop(); err != nil {
			a.logger.Error("stop private PostgreSQL", "err", err)
		}
		a.pgServer = nil
	}
}

func (a *App) openDatabase(ctx context.Context) error {
	dsn := a.cfg.DatabaseURL
	if dsn == "" {
		srv, err := pgboot.Find(ctx, a.cfg.DataDir, a.logger)
		if err != nil {
			return fmt.Errorf("find PostgreSQL: %w", err)
		}
		a.pgServer = srv
		if dsn, err = pgboot.EnsureDatabase(ctx, srv.AdminURL, DatabaseName); err != nil {
			return err
		}
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	if pcfg.MaxConns < 32 && !explicitPoolSize(dsn) {
		pcfg.MaxConns = 32
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	a.closers = append(a.closers, pool.Close)
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	a.pool = pool
	a.logger.Info("read models in PostgreSQL", "database", pcfg.ConnConfig.Database, "host", pcfg.ConnConfig.Host)
	return nil
}

// loadSecret uses SECRET_KEY, or a random key generated once and kept in the
// database so that restarts and other processes share it.
func (a *App) loadSecret(ctx context.Context) error {
	if a.cfg.SecretKey != "" {
		a.secret = []byte(a.cfg.SecretKey)
		return nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("generate secret: %w", err)
	}
	const ddl = `CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.settings (key text PRIMARY KEY, value text NOT NULL)`
	if _, err := a.pool.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("settings table: %w", err)
	}
	var key string
	err := a.pool.QueryRow(ctx, `WITH ins AS (
  INSERT INTO app.settings (key, value) VALUES ('secret_key', $1) ON CONFLICT (key) DO NOTHING RETURNING value)
SELECT value FROM ins UNION ALL SELECT value FROM app.settings WHERE key = 'secret_key' LIMIT 1`, hex.EncodeToString(b)).Scan(&key)
	if err != nil {
		return fmt.Errorf("load secret: %w", err)
	}
	a.secret = []byte(key)
	return nil
}

func (a *App) openEventStore(ctx context.Context) error {
	if a.cfg.EventStoreURL != "" {
		s, err := eventstoredb.New(ctx, eventstoredb.Config{ConnectionString: a.cfg.EventStoreURL})
		if err != nil {
			return fmt.Errorf("EventStoreDB: %w", err)
		}
		a.store = s
		a.closers = append(a.closers, func() { _ = s.Close() })
		a.logger.Info("event log in EventStoreDB")
		return nil
	}
	if err := pgstore.Migrate(ctx, a.pool); err != nil {
		return fmt.Errorf("event store migrations: %w", err)
	}
	s, err := pgstore.New(a.pool, pgstore.Config{})
	if err != nil {
		return fmt.Errorf("PostgreSQL event store: %w", err)
	}
	a.store = s
	a.closers = append(a.closers, s.Close)
	a.logger.Info("event log in PostgreSQL")
	return nil
}

// transport runs each consumer of the engine (a projector generation, a
// reaction) through a Watermill router.
func (a *App) transport() engine.Transport {
	wm := watermill.NewSlogLogger(a.logger)
	return engine.TransportFunc(func(ctx context.Context, c engine.Consumer) error {
		return messaging.RunConsumer(ctx, messaging.ConsumerConfig{
			Name: c.Name, Filter: c.Filter, Progress: c.Progress, Nudge: c.Nudge,
			Store: c.Store, Checkpoints: c.Checkpoints,
			Handler: messaging.EventHandler(c.Handle, c.Advance),
			Router: messaging.RouterConfig{
				Retry:  messaging.RetryConfig(c.Retry),
				Poison: messaging.PoisonPolicy(c.Poison),
				Parker: messaging.EventParkerFunc(c.Park),
			},
		}, wm)
	})
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
