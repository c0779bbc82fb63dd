package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	cards "github.com/fiveapis/backend/domain/cards"
)

const (
	adminUser   = "admin"
	adminPass   = "bench-admin-password"
	secretKey   = "bench-secret-key-0123456789abcdef0123456789"
	cardsPerBig = 10000
	userCount   = 8
)

// createDatabase creates dbname on the server of adminURL and returns its URL.
func createDatabase(ctx context.Context, adminURL, dbname string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbname}.Sanitize()); err != nil {
		return "", err
	}
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, dbname), nil
}

func dropDatabase(adminURL, dbname string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{dbname}.Sanitize()+" WITH (FORCE)")
	return err
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// server is the child process under test.
type server struct {
	cmd       *exec.Cmd
	base      string
	debugBase string
	logPath   string
	exited    chan error
}

// startServer starts bin on dsn, with env added to its environment.
func startServer(ctx context.Context, bin, dsn, dir string, env ...string) (*server, error) {
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debugAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp(dir, "server-*.log")
	if err != nil {
		return nil, err
	}
	logPath := logf.Name()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dsn, "HTTP_ADDR="+httpAddr, "DEBUG_ADDR="+debugAddr,
		"ADMIN_USERNAME="+adminUser, "ADMIN_PASSWORD="+adminPass, "SECRET_KEY="+secretKey,
		"CARD_USE_LIMIT_PER_USER=0", "CARD_USE_LIMIT_PER_IP=0",
		"ROAMIO_ANON_REQUESTS_PER_HOUR=0", "ROAMIO_USER_REQUESTS_PER_HOUR=0",
		// Every client of the bench comes from 127.0.0.1: the limit of
		// password attempts per address (100 in 15 minutes, logins
		// included) would refuse the mixed workload's logins (10).
		"LOGIN_LIMIT_PER_IP=0",
		// The travel app's logins skip the image captcha (8).
		"TRAVEL_ALLOW_NO_CAPTCHA=true",
		// Its own login-attempt counters in Redis: runs in a row log in from
		// the same address.
		"RATE_LIMIT_NAMESPACE=bench-"+strconv.FormatInt(time.Now().UnixNano(), 36)+":",
		"DATA_DIR="+filepath.Join(dir, "data"), "LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, base: "http://" + httpAddr, debugBase: "http://" + debugAddr, logPath: logPath, exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait(); logf.Close() }()
	c := newClient(s.base)
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, err := c.login(ctx, adminUser, adminPass); err == nil {
			return s, nil
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			return nil, fmt.Errorf("server exited (%v): %s", err, s.logTail())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not ready after 90 s: %s", s.logTail())
		}
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// batch is a published batch of cards.
type batch struct {
	ID, TemplateID, Start, End int64
	Code                       string
}

// cardPool hands out unused cards of a list of batches, each once.
type cardPool struct {
	signer  *cards.CodeSigner
	batches []batch
	next    atomic.Int64
	total   int64
}

func newCardPool(signer *cards.CodeSigner, bs []batch) *cardPool {
	p := &cardPool{signer: signer, batches: bs}
	for _, b := range bs {
		p.total += b.End - b.Start + 1
	}
	return p
}

var errPoolEmpty = errors.New("card pool exhausted: make more batches")

// take returns the next unused card (its batch, id and code).
func (p *cardPool) take() (batch, int64, string, error) {
	n := p.next.Add(1) - 1
	for _, b := range p.batches {
		size := b.End - b.Start + 1
		if n < size {
			id := b.Start + n
			return b, id, p.signer.Code(b.Code, id), nil
		}
		n -= size
	}
	return batch{}, 0, "", errPoolEmpty
}

func (p *cardPool) left() int64 { return p.total - p.next.Load() }

// fixture is what the set-up created through the API.
type fixture struct {
	c          *client
	signer     *cards.CodeSigner
	templateID int64
	users      []string // user names (password = userPassword(name))
	mu         sync.Mutex
	tokens     []string // Authorization values of users
	admin      string
	tokenAt    time.Time
	// tripPages is how many pages of 20 the public trip list has; thread
	// is the slug of the trip whose comment thread (6) reads.
	tripPages int
	thread    string
	// calendarUser is the user (index of tokens) whose month (6) reads:
	// their own events and those of the public calendars they subscribe
	// to; calendarYear is the year the events are spread over.
	calendarUser int
	calendarYear int
	// travel is a logged-in session of the travel app; forumPages the
	// forum's pages of 10.
	travel     *travelSession
	forumPages int
}

func userPassword(name string) string { return "pw-" + name + "-Secret9" }

// refresh logs everyone in again when the access tokens are older than 2 min
// (they live 5 min). Logins are argon2id, so they are not done under load.
func (f *fixture) refresh(ctx context.Context, force bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !force && time.Since(f.tokenAt) < 2*time.Minute {
		return nil
	}
	a, err := f.c.login(ctx, adminUser, adminPass)
	if err != nil {
		return err
	}
	toks := make([]string, len(f.users))
	for i, u := range f.users {
		if toks[i], err = f.c.login(ctx, u, userPassword(u)); err != nil {
			return err
		}
	}
	f.admin, f.tokens, f.tokenAt = a, toks, time.Now()
	return nil
}

func (f *fixture) user(i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[i%len(f.tokens)]
}

func (f *fixture) adminAuth() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.admin
}

func setupFixture(ctx context.Context, c *client) (*fixture, error) {
	signer, err := cards.NewCodeSigner([]byte(secretKey))
	if err != nil {
		return nil, err
	}
	f := &fixture{c: c, signer: signer}
	tag := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	for i := range userCount {
		name := fmt.Sprintf("bench%s_%d", tag, i)
		if _, err := c.register(ctx, name, userPassword(name)); err != nil {
			return nil, err
		}
		f.users = append(f.users, name)
	}
	if err := f.refresh(ctx, true); err != nil {
		return nil, err
	}
	var tmpl struct {
		ID int64 `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/card/templates/", f.adminAuth(), map[string]any{
		"name": "基准舞蹈卡", "category": "dance", "description": "benchmark",
		"attributes": map[string]any{"difficulty": "初级", "style": "现代舞"}, "rarity": "common",
	}, http.StatusCreated, &tmpl); err != nil {
		return nil, err
	}
	f.templateID = tmpl.ID
	return f, nil
}

// makeBatches creates and publishes n batches of size cards (4 at a time).
func (f *fixture) makeBatches(ctx context.Context, n int, size int64) ([]batch, error) {
	out := make([]batch, n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next atomic.Int64
	)
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				var b struct {
					ID        int64  `json:"id"`
					BatchCode string `json:"batch_code"`
					StartID   int64  `json:"start_id"`
					EndID     int64  `json:"end_id"`
				}
				err := f.c.call(ctx, http.MethodPost, "/api/card/batches/", f.adminAuth(), map[string]any{
					"name": fmt.Sprintf("bench %d", i), "template": f.templateID, "total_quantity": size, "expiry_date": "2099-12-31",
				}, http.StatusCreated, &b)
				if err == nil {
					err = f.c.call(ctx, http.MethodPost, fmt.Sprintf("/api/card/batches/%d/publish/", b.ID), f.adminAuth(), nil, http.StatusOK, nil)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				out[i] = batch{ID: b.ID, TemplateID: f.templateID, Start: b.StartID, End: b.EndID, Code: b.BatchCode}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// projStatus is one projector of GET /api/admin/projections/.
type projStatus struct {
	Name             string `json:"name"`
	ActiveGeneration int    `json:"active_generation"`
	Lag              uint64 `json:"lag_events"`
	LagCapped        bool   `json:"lag_capped"`
	Rebuilding       bool   `json:"rebuilding"`
}

var cardProjections = []string{"card_templates", "card_batches", "card_usage"}

func (f *fixture) status(ctx context.Context) (map[string]projStatus, error) {
	var out struct {
		Projections []projStatus `json:"projections"`
	}
	if err := f.adminCall(ctx, http.MethodGet, "/api/admin/projections/", http.StatusOK, &out); err != nil {
		return nil, err
	}
	m := map[string]projStatus{}
	for _, p := range out.Projections {
		m[p.Name] = p
	}
	return m, nil
}

// adminCall is an admin request that logs in again once when the access
// token expired (long set-up steps outlast it).
func (f *fixture) adminCall(ctx context.Context, method, path string, want int, out any) error {
	a, err := f.c.do(ctx, method, path, f.adminAuth(), nil)
	if err == nil && a.Status == http.StatusUnauthorized {
		if err := f.refresh(ctx, true); err != nil {
			return err
		}
	}
	return f.c.call(ctx, method, path, f.adminAuth(), nil, want, out)
}

// waitCaughtUp waits until the card projections have no lag.
func (f *fixture) waitCaughtUp(ctx context.Context, limit time.Duration) error {
	return f.waitCaughtUpEvery(ctx, limit, 250*time.Millisecond)
}

// waitCaughtUpEvery waits until the card projections have no lag, asking
// for their status every poll.
func (f *fixture) waitCaughtUpEvery(ctx context.Context, limit, poll time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		st, err := f.status(ctx)
		if err != nil {
			return err
		}
		done := true
		var lags []string
		for _, n := range cardProjections {
			p := st[n]
			if p.Lag > 0 || p.LagCapped || p.Rebuilding {
				done = false
				lags = append(lags, fmt.Sprintf("%s lag %d", n, p.Lag))
			}
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("projections not caught up after %s: %s", limit, strings.Join(lags, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
		_ = f.refresh(ctx, false)
	}
}

// makeTravel creates n public, published Roamio trips (users in turn) and,
// on the first, a comment thread of top top-level comments with a reply
// each: what (6) reads besides the cards.
func (f *fixture) makeTravel(ctx context.Context, n, top int) error {
	for i := range n {
		var out struct {
			Slug string `json:"slug"`
		}
		if err := f.c.call(ctx, http.MethodPost, "/api/v1/trip-plans/", f.user(i), map[string]any{
			"title": fmt.Sprintf("基准旅行 %d", i), "description": "benchmark", "visibility": "public", "status": "published",
			"overview": map[string]any{"highlights": []string{"丽江", "大理"}},
		}, http.StatusCreated, &out); err != nil {
			return err
		}
		if i == 0 {
			f.thread = out.Slug
		}
	}
	f.tripPages = max(1, (n+19)/20)
	for i := range top {
		var out struct {
			ID int64 `json:"id"`
		}
		if err := f.c.call(ctx, http.MethodPost, "/api/v1/comments/", f.user(i), map[string]any{
			"content": fmt.Sprintf("评论 %d", i), "page": f.thread}, http.StatusCreated, &out); err != nil {
			return err
		}
		if err := f.c.call(ctx, http.MethodPost, "/api/v1/comments/", f.user(i+1), map[string]any{
			"content": "回复", "page": f.thread, "parent": out.ID}, http.StatusCreated, nil); err != nil {
			return err
		}
	}
	return nil
}

// makeCalendar gives Ralendar's hottest read its data: the calendar user
// (user 1) has own events spread over a year and subscribes to pubs public
// calendars of perCal events each (made by user 0) and to china-holidays,
// so that a month range (6) merges four sources.
func (f *fixture) makeCalendar(ctx context.Context, own, pubs, perCal int) error {
	f.calendarUser, f.calendarYear = 1, time.Now().Year()+1
	start := time.Date(f.calendarYear, 1, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	at := func(i, n int) (string, string) {
		t := start.Add(time.Duration(i) * (365 * 24 * time.Hour) / time.Duration(n))
		return t.Format(time.RFC3339), t.Add(90 * time.Minute).Format(time.RFC3339)
	}
	reader := f.user(f.calendarUser)
	for i := range own {
		from, to := at(i, own)
		if err := f.c.call(ctx, http.MethodPost, "/api/events/", reader, map[string]any{
			"title": fmt.Sprintf("日程 %d", i), "start_time": from, "end_time": to, "email_reminder": false,
		}, http.StatusCreated, nil); err != nil {
			return err
		}
	}
	subscribe := func(id int64) error {
		return f.c.call(ctx, http.MethodPost, fmt.Sprintf("/api/calendars/%d/subscribe/", id), reader, nil, http.StatusOK, nil)
	}
	owner := f.user(0)
	suffix := time.Now().UnixNano() % 1_000_000
	for c := range pubs {
		var cal struct {
			ID int64 `json:"id"`
		}
		if err := f.c.call(ctx, http.MethodPost, "/api/calendars/", owner, map[string]any{
			"name": fmt.Sprintf("基准日历 %d", c), "url_slug": fmt.Sprintf("bench-%d-%d", suffix, c), "is_public": true,
		}, http.StatusCreated, &cal); err != nil {
			return err
		}
		for i := range perCal {
			from, to := at(i, perCal)
			if err := f.c.call(ctx, http.MethodPost, fmt.Sprintf("/api/calendars/%d/events/", cal.ID), owner, map[string]any{
				"title": fmt.Sprintf("公开活动 %d-%d", c, i), "start_time": from, "end_time": to, "email_reminder": false,
			}, http.StatusCreated, nil); err != nil {
				return err
			}
		}
		if err := subscribe(cal.ID); err != nil {
			return err
		}
	}
	var holidays struct {
		ID int64 `json:"id"`
	}
	if err := f.c.call(ctx, http.MethodGet, "/api/calendars/china-holidays/", reader, nil, http.StatusOK, &holidays); err != nil {
		return err
	}
	if err := subscribe(holidays.ID); err != nil {
		return err
	}
	// The read (6) must merge the sources: a month holds the user's own
	// events and the subscribed calendars'.
	// A short month is logged and read again for up to 5 s before it fails
	// the run: one full run of 2026-12-04 23:08 read 0 events once, and
	// the log of what it read next tells whether that was a lag.
	want := (own + pubs*perCal) / 13
	for deadline := time.Now().Add(5 * time.Second); ; {
		var month struct {
			Count int `json:"count"`
		}
		path := f.calendarMonth()
		if err := f.c.call(ctx, http.MethodGet, path, reader, nil, http.StatusOK, &month); err != nil {
			return err
		}
		if month.Count >= want {
			return nil
		}
		logf("calendar: %s holds %d events, want at least %d", path, month.Count, want)
		if time.Now().After(deadline) {
			return fmt.Errorf("a month of the calendar user holds %d events, want at least %d", month.Count, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// calendarMonth is the query path of a random month of the calendar year.
func (f *fixture) calendarMonth() string {
	m := time.Month(1 + rand.IntN(12))
	from := time.Date(f.calendarYear, m, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, -1)
	return fmt.Sprintf("/api/events/?start=%s&end=%s&page_size=100", from.Format(time.DateOnly), to.Format(time.DateOnly))
}
