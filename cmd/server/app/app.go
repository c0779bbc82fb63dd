// Package app wires the server: a Platform built once (database, event log,
// codec, command runner, clock, secret, Redis, vault, mail) and one Module
// per context (wire_<context>.go, listed in modules.go), from which the
// codec's events, the projection engine and the HTTP routes are derived.
// All wiring happens here; the packages it assembles know nothing of each
// other beyond the ports they declare.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	retrygo "github.com/sethvargo/go-retry"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/queries/pgerrors"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/operations"
	"github.com/fiveapis/backend/transport/messaging"
	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/tracing"
)

// App is the assembled server: the platform, its modules, the projection
// engine over their projectors and the Echo instance over their routes.
type App struct {
	p       *Platform
	modules []Module
	engine  *engine.Engine
	echo    *echo.Echo
	// started is closed once the start-up tasks ran and the projections
	// reached what they appended (see Started).
	started     chan struct{}
	startedOnce sync.Once
}

// New assembles the server. Close releases what it holds.
func New(ctx context.Context, cfg Config, opts Options, logger *slog.Logger) (a *App, err error) {
	p, err := NewPlatform(ctx, cfg, opts, logger)
	if err != nil {
		return nil, err
	}
	a = &App{p: p, started: make(chan struct{})}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.modules, err = buildModules(ctx, p); err != nil {
		return a, err
	}
	var projectors []engine.Projector
	var reactions []eventlog.Reaction
	var jobs []eventlog.Job
	var routes []httpapi.Routes
	var verifiers []authn.Verifier
	var requestVerifiers []authn.RequestVerifier
	for _, m := range a.modules {
		projectors = append(projectors, m.Projectors...)
		reactions = append(reactions, m.Reactions...)
		jobs = append(jobs, m.Jobs...)
		routes = append(routes, m.Routes...)
		verifiers = append(verifiers, m.Verifiers...)
		requestVerifiers = append(requestVerifiers, m.RequestVerifiers...)
	}
	ecfg := engine.Config{
		Transport: consumerTransport(p.Logger), Reactions: reactions, Jobs: jobs, Clock: p.Clock, Logger: p.Logger,
		Notices: p.notices,
	}
	if p.Tracing.Enabled() {
		ecfg.Tracer = p.Tracing.Tracer("github.com/fiveapis/backend/projections/engine")
	}
	a.engine, err = engine.New(p.EnginePool, p.Store, p.Codec, ecfg, projectors...)
	if err != nil {
		return a, fmt.Errorf("projection engine: %w", err)
	}
	p.onClose(a.engine.Close)
	p.Projections.e.Store(a.engine)

	a.echo = httpapi.NewEcho(httpapi.Config{Addr: cfg.HTTP.Addr, Consistency: p.Consistency}, p.Logger, routes...)
	a.echo.Pre(authn.Middleware(verifiers, requestVerifiers...))
	if p.Tracing.Enabled() {
		a.echo.Use(tracing.HTTP(p.Tracing, p.Config.Tracing.ServiceName, httpapi.CorrelationID))
	}
	a.echo.Use(p.metrics.middleware)
	a.mountObservability()
	a.echo.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	return a, nil
}

// Start assembles the server as New does, trying again while the database
// is unavailable (a failover, a restart, too many clients) for up to
// startPatience: a process that starts during a database blip waits for the
// database rather than exiting.
func Start(ctx context.Context, cfg Config, opts Options, logger *slog.Logger) (a *App, err error) {
	err = untilAvailable(ctx, logger, "start", func() error {
		a, err = New(ctx, cfg, opts, logger)
		return err
	})
	return a, err
}

// startPatience is how long the start waits for an unavailable database.
const startPatience = time.Minute

// untilAvailable runs f until it succeeds, fails for another reason than an
// unavailable database, or startPatience has passed.
func untilAvailable(ctx context.Context, logger *slog.Logger, what string, f func() error) error {
	b := retrygo.WithMaxDuration(startPatience, retrygo.WithCappedDuration(2*time.Second, retrygo.NewExponential(100*time.Millisecond)))
	return whileUnavailable(ctx, b, func() error {
		err := f()
		if err != nil && logger != nil && pgerrors.Unavailable(err) {
			logger.Warn(what+": the database is unavailable; trying again", "err", err)
		}
		return err
	})
}

// Handler is the HTTP handler of every API.
func (a *App) Handler() http.Handler { return a.echo }

// Platform is what the modules are built on.
func (a *App) Platform() *Platform { return a.p }

// Engine is the projection engine (operators and tests).
func (a *App) Engine() *engine.Engine { return a.engine }

// Store is the event log.
func (a *App) Store() eventlog.Store { return a.p.Store }

// Pool is the read-model database.
func (a *App) Pool() *pgxpool.Pool { return a.p.Pool }

// Codec is the codec of every event type and upcaster.
func (a *App) Codec() *codec.Registry { return a.p.Codec }

// Config is the configuration the App was built with.
func (a *App) Config() Config { return a.p.Config }

// Vault is the personal-data vault (erasure).
func (a *App) Vault() *personaldata.Vault { return a.p.Vault }

// Mail is the operators' view of the mail reactions' parked deliveries
// (operators, tests).
func (a *App) Mail() operations.Mail { return mailOps{a.p} }

// WaitFor waits until the named projections (all when none is named) have
// reached pos.
func (a *App) WaitFor(ctx context.Context, pos eventlog.Position, projections ...string) error {
	return a.p.Projections.WaitFor(ctx, pos, projections...)
}

// RunBackground runs the projection engine, the modules' background tasks
// and, once, their start-up tasks, until ctx ends.
func (a *App) RunBackground(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		// The engine prepares its tables again as it starts; a connection
		// terminated right then (a failover) must not end the process.
		if err := untilAvailable(ctx, a.p.Logger, "projection engine", func() error { return a.engine.Run(ctx) }); err != nil {
			return fmt.Errorf("projection engine: %w", err)
		}
		return nil
	})
	for _, m := range a.modules {
		for _, w := range m.Background {
			g.Go(func() error {
				if err := w(ctx); err != nil {
					return fmt.Errorf("module %s: background: %w", m.Name, err)
				}
				return nil
			})
		}
	}
	g.Go(func() error { return a.runStartup(ctx) })
	return g.Wait()
}

// runStartup runs the modules' start-up tasks, waits until the projections
// reached what they appended and then closes a.started. The tasks are
// idempotent: one that meets an unavailable database (a failover,
// connections terminated) is run again rather than ending the process.
func (a *App) runStartup(ctx context.Context) error {
	var last eventlog.Position
	for _, m := range a.modules {
		for _, s := range m.Startup {
			err := untilAvailable(ctx, a.p.Logger, "start-up of module "+m.Name, func() error {
				pos, err := s(ctx)
				if err == nil && last.Less(pos) {
					last = pos
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("module %s: start-up: %w", m.Name, err)
			}
		}
	}
	// The wait outlasts the engine's WaitTimeout: a first start on a long
	// log catches up for as long as it takes, and stays unready meanwhile.
	for !last.IsStart() {
		err := a.engine.WaitFor(ctx, last)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		a.p.Logger.Info("start-up: the projections are catching up with the start-up tasks' events", "position", last.String(), "err", err)
	}
	a.startedOnce.Do(func() { close(a.started) })
	return nil
}

// Started is closed once the start-up tasks (bootstrap data: the admin
// account, the holiday calendar) ran and the projections reached what they
// appended; until then /readyz answers 503 "starting".
func (a *App) Started() <-chan struct{} { return a.started }

// Prepare makes the read models' views, so that a query right after the
// start reads an empty read model rather than a missing table: call it
// before serving (Run does).
func (a *App) Prepare(ctx context.Context) error {
	return untilAvailable(ctx, a.p.Logger, "prepare the read models", func() error {
		if err := a.engine.Prepare(ctx); err != nil {
			return fmt.Errorf("projection engine: %w", err)
		}
		return nil
	})
}

// Run serves HTTP and runs the background parts until ctx ends.
func (a *App) Run(parent context.Context) error {
	if err := a.Prepare(parent); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(parent)
	g.Go(func() error { return a.RunBackground(ctx) })
	g.Go(func() error { return serveDebug(ctx, a.p.Config.HTTP.DebugAddr, a.p.Logger) })
	h := a.p.Config.HTTP
	g.Go(func() error {
		return httpapi.Serve(ctx, httpapi.Config{Addr: h.Addr, ReadTimeout: h.ReadTimeout, WriteTimeout: h.WriteTimeout, IdleTimeout: h.IdleTimeout},
			a.echo, a.p.Logger)
	})
	err := g.Wait()
	if parent.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil // asked to stop
	}
	if err == nil {
		err = errors.New("stopped without being asked to")
	}
	return err
}

// Close releases everything the App holds.
func (a *App) Close() { a.p.Close() }

// consumerTransport runs each consumer of the engine (a projector
// generation, a reaction) through a Watermill router.
func consumerTransport(logger *slog.Logger) engine.Transport {
	wm := watermill.NewSlogLogger(logger)
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
