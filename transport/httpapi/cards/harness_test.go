package cards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
	cardsproj "github.com/fiveapis/backend/projections/cards"
	"github.com/fiveapis/backend/projections/engine"
	cardsq "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
	"github.com/fiveapis/backend/transport/httpapi/apidoctest"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	cardhttp "github.com/fiveapis/backend/transport/httpapi/cards"
	"github.com/fiveapis/backend/transport/messaging"
	"github.com/fiveapis/backend/transport/pgtest"
	"github.com/fiveapis/backend/transport/qrcodes"
)

// The tests run the card module on a real server stack: the PostgreSQL event
// store, the projection engine with the card projectors, the command handlers
// and queries. Authentication is a stand-in verifier: "Bearer admin" is the
// admin (user 1), "Bearer user<N>" is user N, anything else is rejected.

type verifier struct{}

func (verifier) Scheme() string { return "bearer" }

func (verifier) Verify(_ context.Context, cred string) (authn.Principal, error) {
	if cred == "admin" {
		return authn.Principal{UserID: "1", Username: "admin", IsAdmin: true, Scheme: "bearer"}, nil
	}
	if n, ok := strings.CutPrefix(cred, "user"); ok {
		if id, err := strconv.Atoi(n); err == nil && id > 1 {
			return authn.Principal{UserID: n, Username: cred, Scheme: "bearer"}, nil
		}
	}
	return authn.Principal{}, authn.ErrInvalidCredentials
}

type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *clock) Skip(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

type server struct {
	t      testing.TB
	url    string
	clock  *clock
	qrDir  string
	signer *cards.CodeSigner
}

type options struct {
	limiter cardscmd.UseLimiter
}

func transport() engine.Transport {
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
		}, nil)
	})
}

func start(t *testing.T, opts options) *server {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := codec.New(append(cards.Events(), sequence.Events()...)...)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(pool, store, reg, engine.Config{Transport: transport(), Logger: logger}, cardsproj.All()...)
	if err != nil {
		t.Fatal(err)
	}
	// As the server does: the read models exist before the first request.
	if err := eng.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = eng.Run(runCtx) }()

	secret := []byte("http test secret of 32 bytes....")
	signer, err := cards.NewCodeSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	h := cardscmd.New(handling.NewRunner(eventstore.NewStreams(store, reg), handling.Config{}), clk, signer, opts.limiter, cardscmd.Config{})
	dir := t.TempDir()
	recorder := qrcodes.RecorderFunc(func(ctx context.Context, batchID int64, generated cards.QRCodesGenerated, meta eventlog.Metadata) error {
		_, err := h.RecordQRCodes(ctx, cardscmd.RecordQRCodes{Actor: access.System, BatchID: batchID, Generated: generated, Meta: meta})
		return err
	})
	exporter, err := qrcodes.New(qrcodes.Config{Dir: dir, Logger: logger, Parallelism: 2}, signer, recorder)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := cardhttp.New(cardhttp.Deps{
		Commands: h, Queries: cardsq.New(pool, signer), QRCodes: exporter, Clock: clk, Logger: logger,
		Config: cardhttp.Config{LinkSecret: secret, QRWait: 60 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The server's read-your-writes policy, as the wiring sets it: answers
	// to commands wait for the projections that follow what they appended.
	consistency := httpapi.Consistency{Waiter: eng, Timeout: 10 * time.Second}
	e := httpapi.NewEcho(httpapi.Config{Consistency: consistency}, logger, mod, apidoc.Routes{Set: apidoctest.Shared(t).Set()})
	e.Use(authn.Middleware([]authn.Verifier{verifier{}}))
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		eng.Close()
		store.Close()
	})
	return &server{t: t, url: srv.URL, clock: clk, qrDir: dir, signer: signer}
}

// startApp runs the whole server (cmd/server/app) through apptest: the real
// wiring, identity and credentials.
func startApp(t *testing.T) (*server, *apptest.Server) {
	t.Helper()
	clk := &clock{}
	a := apptest.Start(t, apptest.WithClock(clk))
	signer, err := cards.NewCodeSigner([]byte(apptestSecret))
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, url: a.URL, clock: clk, signer: signer}, a
}

// apptestSecret is apptest's SECRET_KEY.
const apptestSecret = "test-secret-key-for-signing-0123456789"

// in returns the server for a subtest: its checks fail t, not the test that
// started the server.
func (s *server) in(t testing.TB) *server {
	c := *s
	c.t = t
	return &c
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (r response) data() map[string]any {
	d, _ := r.Body["data"].(map[string]any)
	return d
}

func (r response) results() []any {
	l, _ := r.data()["results"].([]any)
	return l
}

func (s *server) do(method, path, token string, body any) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = s.url + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case strings.Contains(token, " "): // a whole header value, e.g. from apptest
		req.Header.Set("Authorization", token)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("User-Agent", "cards-test/1.0")
	// Every answer must match the API's OpenAPI document.
	resp, err := (&http.Client{Transport: apidoctest.Transport(s.t, nil)}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	r := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			s.t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	}
	return r
}

// want checks the HTTP status and, for errors, the envelope and error code
// (and the field for INVALID_INPUT).
func (s *server) want(r response, status int, errorCode string, field ...string) response {
	s.t.Helper()
	if r.Status != status {
		s.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if r.Body == nil {
		s.t.Fatalf("answer is not JSON: %s", r.Raw)
	}
	if code, _ := r.Body["code"].(float64); int(code) != status {
		s.t.Fatalf("envelope code %v, want %d: %s", r.Body["code"], status, r.Raw)
	}
	if errorCode == "" {
		if r.Body["status"] != "success" {
			s.t.Fatalf("not a success envelope: %s", r.Raw)
		}
		return r
	}
	if r.Body["status"] != "error" || r.Body["error_code"] != errorCode {
		s.t.Fatalf("error_code %v, want %s: %s", r.Body["error_code"], errorCode, r.Raw)
	}
	if _, ok := r.Body["message"].(string); !ok {
		s.t.Fatalf("error without message: %s", r.Raw)
	}
	details, ok := r.Body["details"].(map[string]any)
	if !ok {
		s.t.Fatalf("error without details object: %s", r.Raw)
	}
	if len(field) > 0 && details["field"] != field[0] {
		s.t.Fatalf("field %v, want %s: %s", details["field"], field[0], r.Raw)
	}
	return r
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}
