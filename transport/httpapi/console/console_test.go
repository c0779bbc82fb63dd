package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/browsertest"
	"github.com/fiveapis/backend/transport/httpapi/console"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// natsURL is the JetStream server of the tests (see .ci/services.sh).
const natsURL = "nats://127.0.0.1:4222"

// browser is a client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, s *apptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) get(path string) page {
	b.t.Helper()
	return b.send(http.MethodGet, path, nil)
}

func (b *browser) send(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

var tokenRE = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"`)

// token is the CSRF token of the page's first form.
func (p page) token(t *testing.T) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token in %.300s", p.body)
	}
	return m[1]
}

// post submits a form of the page at path with its CSRF token.
func (b *browser) post(from, path string, form url.Values) page {
	b.t.Helper()
	form.Set("csrfmiddlewaretoken", b.get(from).token(b.t))
	return b.send(http.MethodPost, path, form)
}

func (b *browser) login(username, password string) page {
	b.t.Helper()
	return b.post("/console/login/", "/console/login/", url.Values{"username": {username}, "password": {password}, "next": {"/console/events/"}})
}

// TestConsole drives the operator console of one server: over HTTP (login,
// refusals, hostile parameters) and in headless Chromium (a rebuild, a
// replay, the event browser, the state at a position).
func TestConsole(t *testing.T) {
	t.Parallel()
	// The log is also published to a JetStream stream of the test's own,
	// which an analytics consumer reads; one SSE consumer is configured.
	suffix := apptest.RandomHex(6)
	stream, prefix := "TEST_CONSOLE_"+suffix, "console"+suffix+".events"
	nc, err := nats.Connect(natsURL, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("NATS on %s: %v (start it with .ci/services.sh)", natsURL, err)
	}
	t.Cleanup(nc.Close)
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(stream) })
	s, smtp := apptest.StartWithMail(t, nil, apptest.WithConfig(func(c *app.Config) {
		c.NATS = app.NATSConfig{URL: natsURL, Stream: stream, SubjectPrefix: prefix, DuplicateWindow: time.Minute}
		c.Ops.EventStreamConsumers = app.StreamConsumers{{Name: "analytics", Key: "analytics-key-0123456789", Categories: []string{"card", "trip"}}}
	}))
	user := s.NewUser(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := js.AddConsumer(stream, &nats.ConsumerConfig{Durable: "warehouse", AckPolicy: nats.AckExplicitPolicy})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the publisher made no stream %s: %v", stream, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Run("anonymous requests go to the login page", func(t *testing.T) {
		b := newBrowser(t, s)
		p := b.get("/console/consumers/")
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/login/?next=%2Fconsole%2Fconsumers%2F" {
			t.Fatalf("anonymous: %d %v", p.status, p.header)
		}
		if p := b.send(http.MethodPost, "/console/parked/1/replay/", url.Values{}); p.status != http.StatusForbidden {
			t.Fatalf("anonymous POST without a token: %d", p.status)
		}
	})
	t.Run("a wrong password and a non-admin are refused", func(t *testing.T) {
		b := newBrowser(t, s)
		if p := b.login(apptest.AdminUsername, "wrong-password"); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Wrong username or password") {
			t.Fatalf("wrong password: %d %.300s", p.status, p.body)
		}
		if p := b.login(user.Username, user.Password); p.status != http.StatusForbidden {
			t.Fatalf("non-admin: %d %.300s", p.status, p.body)
		}
		if p := b.get("/console/consumers/"); p.status != http.StatusSeeOther {
			t.Fatalf("after a refused login: %d", p.status)
		}
	})
	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		b := newBrowser(t, s)
		b.get("/console/login/")
		p := b.send(http.MethodPost, "/console/login/", url.Values{"username": {apptest.AdminUsername}, "password": {apptest.AdminPassword}})
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "form has expired") {
			t.Fatalf("login without a token: %d %.300s", p.status, p.body)
		}
	})

	admin := newBrowser(t, s)
	t.Run("an admin logs in: a Strict, HttpOnly cookie for /console/", func(t *testing.T) {
		b := newBrowser(t, s)
		b.get("/console/login/")
		form := url.Values{"username": {apptest.AdminUsername}, "password": {apptest.AdminPassword}, "next": {"https://evil.example/"}}
		form.Set("csrfmiddlewaretoken", b.get("/console/login/").token(t))
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/console/login/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
			t.Fatalf("login: %d %v", resp.StatusCode, resp.Header)
		}
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == console.CookieName {
				ck = c
			}
		}
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" {
			t.Fatalf("session cookie %+v", ck)
		}
		if p := admin.login(apptest.AdminUsername, apptest.AdminPassword); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/events/" {
			t.Fatalf("login: %d %v", p.status, p.header)
		}
		if p := admin.get("/console/consumers/"); p.status != http.StatusOK || !strings.Contains(p.body, "identity") {
			t.Fatalf("consumers: %d %.500s", p.status, p.body)
		}
	})
	t.Run("hostile parameters get a 400 page naming them", func(t *testing.T) {
		for path, field := range map[string]string{
			"/console/events/?after=x":                            "after",
			"/console/events/?after=-1":                           "after",
			"/console/events/?limit=100000":                       "limit",
			"/console/events/?category=Bad-Cat":                   "category",
			"/console/events/?type=%3Cscript%3E":                  "type",
			"/console/events/?since=yesterday":                    "since",
			"/console/events/?stream=" + strings.Repeat("x", 400): "stream",
			"/console/events/?stream=user-1&from=-3":              "from",
			"/console/state/":                                     "stream",
			"/console/state/?stream=user-1&version=v":             "version",
			"/console/state/?stream=user-1&at=soon":               "at",
			"/console/parked/?consumer=nobody":                    "consumer",
		} {
			p := admin.get(path)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, field+": ") {
				t.Errorf("%s: %d %.300s", path, p.status, p.body)
			}
		}
		for _, path := range []string{"/console/events/?correlation=%00", "/console/events/?stream=%ff"} {
			if p := admin.get(path); p.status != http.StatusBadRequest {
				t.Errorf("%s: %d %.300s", path, p.status, p.body)
			}
		}
		p := admin.get("/console/events/?correlation=%3Cscript%3Ealert(1)%3C/script%3E")
		if p.status != http.StatusOK || strings.Contains(p.body, "<script>alert") {
			t.Errorf("a correlation id is shown escaped: %d", p.status)
		}
		for _, path := range []string{"/console/consumers/nobody/", "/console/state/?stream=nobody-1"} {
			if p := admin.get(path); p.status != http.StatusNotFound {
				t.Errorf("%s: %d", path, p.status)
			}
		}
	})
	t.Run("events show their data without secrets", func(t *testing.T) {
		p := admin.get("/console/events/?stream=user-1")
		if p.status != http.StatusOK || !strings.Contains(p.body, "UserRegistered_v2") || strings.Contains(p.body, "argon2id") ||
			!strings.Contains(p.body, "[redacted]") {
			t.Fatalf("the admin's events: %d %.2000s", p.status, p.body)
		}
	})
	t.Run("the outlets page lists the open SSE streams", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/events/stream?category=user", nil)
		req.Header.Set("Authorization", s.AdminBearer(t))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := resp.Body.Read(make([]byte, 16)); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d %v", resp.StatusCode, err)
		}
		p := admin.get("/console/outlets/")
		if p.status != http.StatusOK || !regexp.MustCompile(`(?s)id="sse-open".*<td>admin:admin</td><td>user</td>`).MatchString(p.body) ||
			!regexp.MustCompile(`(?s)id="sse-consumers".*<td>analytics</td><td>card, trip</td>`).MatchString(p.body) ||
			!regexp.MustCompile(`(?s)id="js-consumers".*<td>warehouse</td><td>yes</td>`).MatchString(p.body) ||
			strings.Contains(p.body, "analytics-key") {
			t.Fatalf("outlets: %d %.3000s", p.status, p.body)
		}
	})
	t.Run("the pages answer", func(t *testing.T) {
		for _, path := range []string{"/console/parked/", "/console/outlets/", "/console/outbox/",
			"/console/events/?category=user", "/console/consumers/identity/progress/"} {
			if p := admin.get(path); p.status != http.StatusOK {
				t.Errorf("%s: %d %.300s", path, p.status, p.body)
			}
		}
	})

	t.Run("in a browser: rebuild, replay, events, state", func(t *testing.T) {
		inBrowser(t, s, smtp, user)
	})
}

// inBrowser clicks through the console in headless Chromium, saving
// screenshots to docs/console/ when UPDATE_CONSOLE_SCREENSHOTS=1.
func inBrowser(t *testing.T, s *apptest.Server, smtp *smtptest.Server, user apptest.User) {
	ctx := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	shoot := screenshots(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	waitJS := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond),
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	text := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("read #%s: %v", id, err)
		}
		return v
	}
	// A mail the SMTP server refuses twice is parked (MailMaxAttempts 2).
	smtp.FailNext(2)
	if r := s.Do(t, http.MethodPost, "/api/v1/auth/send_verification_code/", "", map[string]any{"email": user.Username + "@example.com", "type": "verify_email"}); r.Status != http.StatusOK {
		t.Fatalf("send a code: %d %s", r.Status, r.Body)
	}

	do("log in",
		chromedp.Navigate(s.URL+"/console/consumers/"),
		chromedp.WaitVisible(chromedp.ID("username")))
	shoot(ctx, "login")
	do("submit the login form",
		chromedp.SendKeys(chromedp.ID("username"), apptest.AdminUsername),
		chromedp.SendKeys(chromedp.ID("password"), apptest.AdminPassword),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.CSS(`#consumers tr[data-name="identity"]`)))
	shoot(ctx, "consumers")

	do("open a projector and rebuild it",
		chromedp.Click(chromedp.CSS(`#consumers tr[data-name="identity"] a`)),
		chromedp.WaitVisible(chromedp.ID("rebuild-button")),
		chromedp.Click(chromedp.ID("rebuild-button")),
		chromedp.WaitVisible(chromedp.ID("flash")))
	waitJS("the rebuild's progress completes", `document.getElementById("rebuild").dataset.done === "true" &&
		document.getElementById("rebuild-progress").value === 100`)
	shoot(ctx, "rebuild")

	// The mail's event is parked; it is replayed through its button.
	deadline := time.Now().Add(20 * time.Second)
	for {
		do("open the parked events", chromedp.Navigate(s.URL+"/console/parked/"), chromedp.WaitReady(chromedp.CSS("body")))
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.parked tbody tr").length`))
		if err != nil {
			t.Fatalf("count parked: %v", err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing parked")
		}
		time.Sleep(100 * time.Millisecond)
	}
	shoot(ctx, "parked")
	smtp.FailNext(1)
	do("replay it while the mail server still refuses",
		chromedp.Click(chromedp.CSS(`tr[data-id] button.replay`)),
		chromedp.WaitVisible(chromedp.ID("parked-error")))
	if msg := text("parked-error"); !strings.Contains(msg, "failed again and stays parked") || !strings.Contains(msg, "451") {
		t.Fatalf("a replay that failed again: %q", msg)
	}
	do("replay it",
		chromedp.Click(chromedp.CSS(`tr[data-id] button.replay`)),
		chromedp.WaitVisible(chromedp.ID("flash")),
		chromedp.WaitVisible(chromedp.ID("no-parked")))
	smtp.WaitFor(t, user.Username+"@example.com", func(smtptest.Message) bool { return true }, 10*time.Second)

	do("browse the user's events",
		chromedp.Navigate(s.URL+"/console/events/"),
		chromedp.WaitVisible(chromedp.ID("f-category")),
		chromedp.SendKeys(chromedp.ID("f-category"), "user"))
	// The filtered page's navigation must end before the next one starts
	// (the unfiltered page may list users' events too, so waiting for them
	// is not enough): RunResponse waits for it.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("f-submit"))); err != nil {
		t.Fatalf("filter the user's events: %v", err)
	}
	do("the user's events", chromedp.WaitVisible(chromedp.CSS(`#events tr[data-stream^="user-"]`)))
	shoot(ctx, "events")

	do("open the admin's state at version 0",
		chromedp.Navigate(s.URL+"/console/events/?stream=user-1"),
		chromedp.WaitVisible(chromedp.CSS(`#events tr[data-version="0"] a.state-link`)),
		chromedp.Click(chromedp.CSS(`#events tr[data-version="0"] a.state-link`)),
		chromedp.WaitVisible(chromedp.ID("state")))
	state, version, by := text("state"), text("state-version"), text("replayed-by")
	if version != "0" || by != "domain" || !strings.Contains(state, `"username": "`+apptest.AdminUsername+`"`) {
		t.Fatalf("state at version 0: %s %s %s", version, by, state)
	}
	shoot(ctx, "state")
	do("the outlets and the outbox", chromedp.Navigate(s.URL+"/console/outbox/"), chromedp.WaitVisible(chromedp.ID("parked-mail")))
	shoot(ctx, "outbox")
	do("the outlets", chromedp.Navigate(s.URL+"/console/outlets/"), chromedp.WaitVisible(chromedp.ID("js-consumers")))
	shoot(ctx, "outlets")
}

// screenshots returns a function that saves a full-page screenshot to
// docs/console/<name>.png when UPDATE_CONSOLE_SCREENSHOTS=1 (and does
// nothing otherwise).
func screenshots(t *testing.T) func(ctx context.Context, name string) {
	if os.Getenv("UPDATE_CONSOLE_SCREENSHOTS") != "1" {
		return func(context.Context, string) {}
	}
	dir := filepath.Join("..", "..", "..", "docs", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
