// Package apptest starts the whole server for HTTP tests: a fresh database on
// the real PostgreSQL, the PostgreSQL event store, the projection engine and
// every module, served by an httptest server, with an admin account.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb/esdbfake"
	"github.com/fiveapis/backend/transport/httpapi/apidoctest"
	"github.com/fiveapis/backend/transport/pgtest"
)

// Admin credentials of every test server.
const (
	AdminUsername = "admin"
	AdminPassword = "admin-password-1"
)

// Server is a running test server.
type Server struct {
	URL    string
	App    *app.App
	Client *http.Client
	// EventStoreURL is the server's EVENTSTORE_URL ("" for PostgreSQL's
	// log): a second server on the same database needs it too.
	EventStoreURL string

	// staffDepartment is the department NewHHUStaff places users in (0:
	// none yet), made once per server with the admin token staffAdmin.
	staffMu         sync.Mutex
	staffDepartment int64
	staffAdmin      string
}

// Option changes the configuration or options of a test server.
type Option func(*app.Config, *app.Options)

// WithClock injects the command handlers' clock.
func WithClock(c interface{ Now() time.Time }) Option {
	return func(_ *app.Config, o *app.Options) { o.Clock = c }
}

// WithConfig edits the configuration.
func WithConfig(f func(*app.Config)) Option {
	return func(c *app.Config, _ *app.Options) { f(c) }
}

// Start runs a server for the test and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	// Not the defaults: limits are off unless a test turns them on.
	cfg := app.Config{
		// At most 10 + 4 pooled connections per test server, and the three
		// the engine and the event store keep (docs/runbook.md, "Connection
		// budget"): go test runs two packages and two tests per package at
		// once, and PostgreSQL's default max_connections is 100.
		Database:  app.DatabaseConfig{URL: withParam(pgtest.NewDatabase(t), "pool_max_conns=10"), EngineMaxConns: 4},
		Admin:     app.AdminConfig{Username: AdminUsername, Password: AdminPassword},
		SecretKey: "test-secret-key-for-signing-0123456789",
		// The limiters' counters (in the shared Redis) are the server's own.
		Identity: app.IdentityConfig{RateLimitNamespace: "test-" + RandomHex(6) + ":"},
		RedisURL: "redis://127.0.0.1:6379/0",
		DataDir:  t.TempDir(),
		HTTP:     app.HTTPConfig{ConsistencyWait: 5 * time.Second},
		LogLevel: slog.LevelWarn,
	}
	cfg.Database.EventStoreURL = eventStoreURL(t)
	o := app.Options{CheapPasswordHashing: true, APIDocs: apidoctest.Shared(t).Set()}
	for _, opt := range opts {
		opt(&cfg, &o)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, o, logger)
	if err != nil {
		cancel()
		t.Fatalf("apptest: start app: %v", err)
	}
	if err := a.Prepare(ctx); err != nil {
		cancel()
		a.Close()
		t.Fatalf("apptest: prepare: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.RunBackground(ctx); err != nil && ctx.Err() == nil {
			t.Errorf("apptest: background: %v", err)
		}
	}()
	ts := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		ts.Close()
		cancel()
		wg.Wait()
		a.Close()
	})
	// Every answer to a documented operation must match its OpenAPI
	// document (docs/openapi.md): the API tests keep the documents true.
	client := ts.Client()
	client.Transport = apidoctest.Transport(t, client.Transport)
	s := &Server{URL: ts.URL, App: a, Client: client, EventStoreURL: cfg.Database.EventStoreURL}
	s.waitReady(t)
	return s
}

// EventStoreEnv selects the event log of every test server: unset or
// "postgres", the PostgreSQL store; "esdbfake", a fresh in-process
// EventStoreDB gRPC server per test server (the adapter's test server, built
// from the client's generated interfaces); an esdb:// or kurrentdb://
// connection string, that EventStoreDB (each test server's streams are its
// own: stream names carry random ids, so tests sharing one server do not
// meet, but the global log is shared). `make test-esdb` runs the API suites
// with "esdbfake".
const EventStoreEnv = "APPTEST_EVENTSTORE"

// SharedLog returns an option that gives every server started with it one
// event log, for tests that stop a server and start another on the same
// database: with PostgreSQL it does nothing (the log is in the database);
// with "esdbfake" it is one fake server for all of them.
func SharedLog(t testing.TB) Option {
	u := eventStoreURL(t)
	return func(c *app.Config, _ *app.Options) { c.Database.EventStoreURL = u }
}

// eventStoreURL is the EVENTSTORE_URL EventStoreEnv asks for ("" for
// PostgreSQL).
func eventStoreURL(t testing.TB) string {
	switch v := os.Getenv(EventStoreEnv); {
	case v == "" || v == "postgres":
		return ""
	case v == "esdbfake":
		return esdbfake.Start(t)
	default:
		return v
	}
}

// withParam adds a query parameter to a database URL.
func withParam(dsn, param string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + param
	}
	return dsn + "?" + param
}

// waitReady waits until the start-up tasks took effect: the bootstrap admin
// and the holiday calendar are in the read models (App.Started).
func (s *Server) waitReady(t testing.TB) {
	t.Helper()
	select {
	case <-s.App.Started():
	case <-time.After(30 * time.Second):
		t.Fatalf("apptest: server not ready: the start-up tasks did not take effect in 30 s")
	}
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apptest: decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends a request. body may be nil, a []byte/string (sent as is) or any
// value (sent as JSON). header is "Authorization" value when not empty.
func (s *Server) Do(t testing.TB, method, path, authorization string, body any) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apptest: encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("apptest: request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("apptest: read %s %s: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}
