package accounts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/pgmigrate"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/commands/handling"
	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/sequence"
	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	accounthttp "github.com/fiveapis/backend/transport/httpapi/hhu/account"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	accountshttp "github.com/fiveapis/backend/transport/httpapi/roamio/accounts"
	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/pgtest"
)

// The harness runs the identity slice on the real PostgreSQL: the pgstore
// event log, the identity projection applied by a synchronous catch-up (a
// stand-in for the projection engine's WaitFor), and the Roamio and HHU
// modules behind the authn middleware with both identity verifiers.

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// catchUp applies the identity projection up to a position when asked.
type catchUp struct {
	mu      sync.Mutex
	pool    *pgxpool.Pool
	store   eventlog.Store
	decoder eventlog.Decoder
	p       *identityproj.Projector
	at      eventlog.Position
}

func (c *catchUp) WaitForAppends(ctx context.Context, a *eventlog.Appends) error {
	return c.WaitFor(ctx, a.Last())
}

func (c *catchUp) WaitFor(ctx context.Context, pos eventlog.Position, _ ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.at.Less(pos) {
		recs, err := c.store.ReadAll(ctx, eventlog.ReadAllOptions{After: c.at, Filter: c.p.Filter(), Max: 100})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			c.at = pos
			return nil
		}
		for _, r := range recs {
			env, err := c.decoder.Decode(r)
			if err != nil {
				return err
			}
			tx, err := c.pool.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "SET LOCAL search_path TO identity"); err != nil {
				return err
			}
			if err := c.p.Apply(ctx, tx, env); err != nil {
				_ = tx.Rollback(ctx)
				return err
			}
			if err := tx.Commit(ctx); err != nil {
				return err
			}
			c.at = r.Position
		}
	}
	return nil
}

// vaultPD is the real personal-data vault as the projection's port.
type vaultPD struct{ v *personaldata.Vault }

func (p vaultPD) Open(ctx context.Context, subject, sealed string) (string, error) {
	return p.v.Open(ctx, subject, sealed)
}

func (vaultPD) Erased(err error) bool { return errors.Is(err, personaldata.ErrErased) }

func (p vaultPD) WasErased(ctx context.Context, subject string) (bool, error) {
	return p.v.WasErased(ctx, subject)
}

type authModule struct{ verifiers []authn.Verifier }

func (m authModule) Mount(e *echo.Echo) { e.Use(authn.Middleware(m.verifiers)) }

type harness struct {
	t      *testing.T
	url    string
	clock  *clock
	cmds   *identitycmd.Handlers
	store  eventlog.Store
	codec  *codec.Registry
	waiter *catchUp
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	reg, err := codec.New(append(identity.Events(), sequence.Events()...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := pgmigrate.Up(ctx, pool, personaldata.Migrations()); err != nil {
		t.Fatal(err)
	}
	vault := personaldata.Open(pool)
	p := identityproj.NewProjector().WithPersonalData(vaultPD{vault})
	if _, err := pool.Exec(ctx, "CREATE SCHEMA identity; SET search_path TO identity;"+p.Schema()); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	cmds, err := identitycmd.New(handling.NewRunner(eventstore.NewStreams(store, reg), handling.Config{}), clk,
		identitycmd.Config{JWTSecret: []byte("roamio test secret, at least 32 bytes"), Argon2: identitycmd.TestArgon2})
	if err != nil {
		t.Fatal(err)
	}
	cmds.SetPersonalData(vault)
	waiter := &catchUp{pool: pool, store: store, decoder: reg, p: p}
	queries := identityq.New(identityproj.NewReader(pool))
	consistency := httpapi.Consistency{Waiter: waiter, Timeout: 5 * time.Second}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := httpapi.NewEcho(httpapi.Config{Consistency: consistency}, logger,
		authModule{identityauth.Verifiers(cmds, queries, clk, waiter, logger)},
		accountshttp.New(accountshttp.Deps{Identity: cmds, Users: queries, Clock: clk}),
		accounthttp.New(accounthttp.Deps{Identity: cmds, Clock: clk}),
	)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &harness{t: t, url: srv.URL, clock: clk, cmds: cmds, store: store, codec: reg, waiter: waiter}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request; body is JSON-encoded unless it is a string (sent as is).
func (h *harness) do(method, path, auth string, body any) answer {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	if a.status >= 500 {
		h.t.Errorf("%s %s: %d %s", method, path, a.status, raw)
	}
	return a
}

func (h *harness) register(name string) answer {
	h.t.Helper()
	a := h.do("POST", "/api/v1/auth/register/", "", map[string]any{
		"username": name, "email": name + "@example.com", "password": "pw-" + name + "-long", "password_confirm": "pw-" + name + "-long"})
	if a.status != http.StatusCreated {
		h.t.Fatalf("register %s: %d %s", name, a.status, a.raw)
	}
	return a
}

func str(v any) string { s, _ := v.(string); return s }
