package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/semaphore"

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
	"github.com/fiveapis/backend/transport/httpapi/eventstream"
	"github.com/fiveapis/backend/transport/mail"
	"github.com/fiveapis/backend/transport/models/poem"
	"github.com/fiveapis/backend/transport/nonces"
	"github.com/fiveapis/backend/transport/oauth"
	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/pgmigrate"
	"github.com/fiveapis/backend/transport/sessions"
	"github.com/fiveapis/backend/transport/settings"
	"github.com/fiveapis/backend/transport/tracing"
	webhookstransport "github.com/fiveapis/backend/transport/webhooks"
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
	// APIDocs are the OpenAPI documents, parsed once per test binary
	// instead of at every server start (nil: parsed at start).
	APIDocs *apidoc.Set
}

// Platform is what every module is built on, built once at start: the
// database, the event log with its codec and command runner, the clock, the
// secret, Redis, the personal-data vault, mail delivery and the
// read-your-writes policy. Modules read it; none of them changes it.
type Platform struct {
	Config  Config
	Options Options
	Logger  *slog.Logger
	Clock   handling.Clock

	// Pool serves requests, appends and adapters; EnginePool the projection
	// engine's transactions (so a catch-up never takes the connections
	// requests need).
	Pool       *pgxpool.Pool
	EnginePool *pgxpool.Pool
	Store      eventlog.Store
	// Codec knows every event of every module once New registered them;
	// Forms makes their consumer-facing forms (the SSE stream, JetStream).
	Codec   *codec.Registry
	Forms   *codec.Forms
	Streams *eventstore.Streams
	Runner  *handling.Runner
	// Secret signs tokens, codes and links (SECRET_KEY or generated once).
	Secret []byte
	// Redis is the shared limiter store (nil without REDIS_URL).
	Redis *redis.Client
	// Vault seals erasable personal data.
	Vault *personaldata.Vault
	// Mail sends mail (nil without SMTP_ADDR: nothing is mailed).
	Mail mail.Sender
	// Consistency is the read-your-writes policy of every API.
	Consistency httpapi.Consistency
	// Projections is the projection engine, set once New built it from the
	// modules; until then waits return at once.
	Projections *Projections

	metrics *metrics
	// Tracing is the tracer provider (no-op unless TRACING_OTLP_ENDPOINT).
	Tracing *tracing.Provider
	// OpenStreams keeps the SSE streams open in this process (the event
	// stream registers them, the console shows them).
	OpenStreams *eventstream.Live
	// Poems loads the embedded poem model (186 ms, 1.5 MB) on first use,
	// once per process, for every module that writes poems.
	Poems func() (*poem.Model, error)
	// Background is the process's gate for CPU-heavy background work (the
	// steps of album jobs: analysis, renders): one slot fewer than
	// GOMAXPROCS, at least one, so that such work always leaves a core to
	// the requests, which never wait for it.
	Background *semaphore.Weighted

	// notices is the PostgreSQL event store's listening connection, which
	// the projection engine listens through (nil with EventStoreDB).
	notices eventlog.Notices

	pgServer *pgboot.Server
	closers  []func()
}

// kernelEvents are the events of the shared kernel, used by every module.
func kernelEvents() []eventlog.Event { return sequence.Events() }

// kernelUpcasters are the shared kernel's upcasters.
func kernelUpcasters() []Upcaster {
	return []Upcaster{{
		From: sequence.EventIDsAllocatedV1, To: sequence.EventIDsAllocated,
		Doc: "`owner` became `owner_stream`; `count` (= last − first + 1) was added.",
		Up:  sequence.UpcastIDsAllocatedV1,
	}}
}

// NewPlatform opens the database (starting a private PostgreSQL when none is
// configured or running), applies every migration, opens the event log and
// the adapters. Close releases what it holds.
func NewPlatform(ctx context.Context, cfg Config, opts Options, logger *slog.Logger) (p *Platform, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p = &Platform{Config: cfg, Options: opts, Logger: logger, Clock: opts.Clock, Projections: &Projections{}}
	if p.Clock == nil {
		p.Clock = wallClock{}
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := p.openDatabase(ctx); err != nil {
		return p, err
	}
	if err := p.openEventStore(ctx); err != nil {
		return p, err
	}
	if err := engine.Migrate(ctx, p.Pool); err != nil {
		return p, fmt.Errorf("projection engine migrations: %w", err)
	}
	if err := p.migrate(ctx); err != nil {
		return p, err
	}
	if p.Codec, err = codec.New(kernelEvents()...); err != nil {
		return p, fmt.Errorf("codec: %w", err)
	}
	if err := registerUpcasters(p.Codec, kernelUpcasters()); err != nil {
		return p, err
	}
	if err := p.loadSecret(ctx); err != nil {
		return p, err
	}
	p.Forms = p.Codec.Forms(derive(p.Secret, "fiveapis/consumer-forms/stream-pseudonyms/v1"))
	p.metrics = newMetrics()
	p.OpenStreams = eventstream.NewLive()
	p.Poems = sync.OnceValues(poem.Embedded)
	p.Background = semaphore.NewWeighted(int64(max(1, runtime.GOMAXPROCS(0)-1)))
	if p.Tracing, err = tracing.New(ctx, p.Config.Tracing); err != nil {
		return p, err
	}
	p.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Tracing.Shutdown(ctx); err != nil {
			p.Logger.Warn("tracing: spans not sent", "err", err)
		}
	})
	p.Store = tracing.WrapStore(instrumentStore(retryUnavailable(p.Store), p.metrics), p.Tracing)
	p.Streams = eventstore.NewStreams(p.Store, p.Codec)
	p.Runner = handling.NewRunner(p.Streams, handling.Config{})
	p.Consistency = httpapi.Consistency{Waiter: p.Projections, Timeout: cfg.HTTP.ConsistencyWait}
	if err := p.openRedis(); err != nil {
		return p, err
	}
	p.Vault = personaldata.Open(p.Pool)
	if err := p.openMail(); err != nil {
		return p, err
	}
	return p, nil
}

// Close releases the adapters, the database and a private PostgreSQL.
func (p *Platform) Close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
	p.closers = nil
	if p.pgServer != nil {
		if err := p.pgServer.Stop(); err != nil {
			p.Logger.Error("stop private PostgreSQL", "err", err)
		}
		p.pgServer = nil
	}
}

func (p *Platform) onClose(f func()) { p.closers = append(p.closers, f) }

func (p *Platform) openDatabase(ctx context.Context) error {
	dsn := p.Config.Database.URL
	if dsn == "" {
		srv, err := pgboot.Find(ctx, p.Config.DataDir, p.Logger)
		if err != nil {
			return fmt.Errorf("find PostgreSQL: %w", err)
		}
		p.pgServer = srv
		if dsn, err = pgboot.EnsureDatabase(ctx, srv.AdminURL, DatabaseName); err != nil {
			return err
		}
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	db := p.Config.Database
	if !strings.Contains(dsn, "pool_max_conns=") {
		pcfg.MaxConns = int32(db.PoolMaxConns)
	}
	pcfg.MinConns = 0
	if db.IdleTimeout > 0 {
		pcfg.MaxConnIdleTime = db.IdleTimeout
		// Idle connections are closed by the pool's health check.
		pcfg.HealthCheckPeriod = min(pcfg.HealthCheckPeriod, max(db.IdleTimeout/2, 100*time.Millisecond))
	}
	if p.Pool, err = p.connect(ctx, pcfg); err != nil {
		return err
	}
	ecfg := pcfg.Copy()
	ecfg.MaxConns = int32(db.EngineMaxConns)
	if p.EnginePool, err = p.connect(ctx, ecfg); err != nil {
		return err
	}
	p.Logger.Info("read models in PostgreSQL", "database", pcfg.ConnConfig.Database, "host", pcfg.ConnConfig.Host,
		"pool_max_conns", pcfg.MaxConns, "engine_max_conns", ecfg.MaxConns)
	return nil
}

func (p *Platform) connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	p.onClose(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return pool, nil
}

// loadSecret uses SECRET_KEY, or a random key generated once and kept in the
// database so that restarts and other processes share it.
func (p *Platform) loadSecret(ctx context.Context) (err error) {
	if p.Config.SecretKey != "" {
		p.Secret = []byte(p.Config.SecretKey)
		return nil
	}
	p.Secret, err = settings.SecretKey(ctx, p.Pool)
	return err
}

// Migrations are the numbered migrations of the adapters that keep state
// the log cannot rebuild, in the order the platform applies them at start
// (after the event store's and the projection engine's).
func Migrations() []pgmigrate.Set {
	return []pgmigrate.Set{
		settings.Migrations(),
		personaldata.Migrations(),
		sessions.Migrations(),
		nonces.Migrations(),
		oauth.Migrations(),
		webhookstransport.Migrations(),
	}
}

// MigrationVersions reports the applied and newest version of every
// migration set of the database: the event store's (unless the log is in
// EventStoreDB), the projection engine's and Migrations.
func (p *Platform) MigrationVersions(ctx context.Context) ([]pgmigrate.Version, error) {
	var sets []pgmigrate.Set
	if p.Config.Database.EventStoreURL == "" {
		sets = append(sets, pgmigrate.Set{Schema: pgstore.Schema, Files: pgstore.MigrationFiles(), Table: pgstore.MigrationsTable})
	}
	sets = append(sets, pgmigrate.Set{Schema: engine.Schema, Files: engine.MigrationFiles(), Table: engine.MigrationsTable})
	return pgmigrate.Versions(ctx, p.Pool, append(sets, Migrations()...)...)
}

// migrate applies Migrations.
func (p *Platform) migrate(ctx context.Context) error {
	for _, set := range Migrations() {
		if err := pgmigrate.Up(ctx, p.Pool, set); err != nil {
			return err
		}
	}
	return nil
}

func (p *Platform) openEventStore(ctx context.Context) error {
	if u := p.Config.Database.EventStoreURL; u != "" {
		s, err := eventstoredb.New(ctx, eventstoredb.Config{ConnectionString: u})
		if err != nil {
			return fmt.Errorf("EventStoreDB: %w", err)
		}
		p.Store = s
		p.onClose(func() { _ = s.Close() })
		p.Logger.Info("event log in EventStoreDB")
		return nil
	}
	if err := pgstore.Migrate(ctx, p.Pool); err != nil {
		return fmt.Errorf("event store migrations: %w", err)
	}
	s, err := pgstore.New(p.Pool, pgstore.Config{})
	if err != nil {
		return fmt.Errorf("PostgreSQL event store: %w", err)
	}
	p.Store = s
	p.notices = s
	p.onClose(s.Close)
	p.Logger.Info("event log in PostgreSQL")
	return nil
}

// openRedis makes the one Redis client of the process (none when REDIS_URL
// is empty).
func (p *Platform) openRedis() error {
	if p.Config.RedisURL == "" {
		return nil
	}
	opt, err := redis.ParseURL(p.Config.RedisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opt)
	p.onClose(func() { _ = client.Close() })
	p.Redis = client
	return nil
}

// openMail makes the SMTP sender (none without SMTP_ADDR).
func (p *Platform) openMail() error {
	c := p.Config.Mail
	if c.SMTPAddr == "" {
		p.Logger.Warn("SMTP_ADDR is not set: mail is not sent")
		return nil
	}
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{
		Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUsername, Password: c.SMTPPassword, StartTLS: c.SMTPStartTLS,
	})
	if err != nil {
		return fmt.Errorf("SMTP_ADDR: %w", err)
	}
	p.Mail = sender
	return nil
}

// mailReaction returns the reaction name that renders the events filter
// lets through and mails them, with the mail retry settings; none without
// SMTP_ADDR (nothing is mailed). Names of mail reactions start with
// MailReactionPrefix: the operators' parked-mail view lists theirs.
func (p *Platform) mailReaction(name string, filter eventlog.Filter, render mail.Renderer) []eventlog.Reaction {
	if p.Mail == nil {
		return nil
	}
	r := mail.NewReaction(name, filter, render, p.Mail)
	r.MaxAttempts, r.Backoff = p.Config.Mail.MaxAttempts, p.Config.Mail.RetryBackoff
	return []eventlog.Reaction{r}
}

// MailReactionPrefix starts the name of every mail reaction.
const MailReactionPrefix = "mail_"

// Projections is the projection engine as the modules' ports see it: set
// once New has built the engine from every module's projectors. It
// implements httpapi.PositionWaiter and identityauth.ReadModelVersions.
type Projections struct {
	e atomic.Pointer[engine.Engine]
}

// Engine is the engine (nil until New built it).
func (r *Projections) Engine() *engine.Engine { return r.e.Load() }

// WaitFor implements httpapi.PositionWaiter; before the engine exists it
// returns at once.
func (r *Projections) WaitFor(ctx context.Context, pos eventlog.Position, projections ...string) error {
	e := r.e.Load()
	if e == nil {
		return nil
	}
	return e.WaitFor(ctx, pos, projections...)
}

// WaitForAppends implements httpapi.PositionWaiter: it waits for the
// projections that follow what the request appended.
func (r *Projections) WaitForAppends(ctx context.Context, a *eventlog.Appends) error {
	e := r.e.Load()
	if e == nil {
		return nil
	}
	return e.WaitForAppends(ctx, a)
}

// Known implements identityauth.ReadModelVersions: the version of a
// projection's read model as this process knows it.
func (r *Projections) Known(ctx context.Context, projection string) (eventlog.ReadModelVersion, error) {
	e := r.e.Load()
	if e == nil {
		return eventlog.ReadModelVersion{}, errors.New("projection engine not started")
	}
	return e.Known(ctx, projection)
}

// derive makes a key of its own for one use of the secret.
func derive(secret []byte, label string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(label))
	return mac.Sum(nil)
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
