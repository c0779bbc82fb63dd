package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// Integration tests of the account endpoints of Roamio (000): verification
// codes mailed through a real SMTP exchange, password reset, the refresh
// cookie and the password-attempt limits in Redis.

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// client sends requests with a fixed client address (X-Real-IP) and keeps
// cookies.
type client struct {
	s       *apptest.Server
	ip      string
	cookies []*http.Cookie
	// headers are sent with every request.
	headers map[string]string
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (c *client) do(t *testing.T, method, path, auth string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, c.s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	resp, err := c.s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		kept := c.cookies[:0]
		for _, old := range c.cookies {
			if old.Name != ck.Name {
				kept = append(kept, old)
			}
		}
		c.cookies = kept
		if ck.MaxAge >= 0 && ck.Value != "" {
			c.cookies = append(c.cookies, ck)
		}
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// via returns the same browser (address and cookies as they are now)
// talking to another server process.
func (c *client) via(s *apptest.Server) *client {
	return &client{s: s, ip: c.ip, cookies: append([]*http.Cookie(nil), c.cookies...)}
}

// cookie returns the client's cookie name (nil when it has none).
func (c *client) cookie(name string) *http.Cookie {
	for _, ck := range c.cookies {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// newClient is a client from a random public address (the server trusts
// X-Forwarded-For from loopback).
func newClient(s *apptest.Server) *client {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &client{s: s, ip: fmt.Sprintf("203.%d.%d.%d", b[0], b[1], b[2])}
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

func startWithMail(t *testing.T, clock *fakeClock, more ...apptest.Option) (*apptest.Server, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	ns := "test-" + randomHex(6) + ":"
	opts := []apptest.Option{apptest.WithConfig(func(c *app.Config) {
		c.Mail.SMTPAddr = smtp.Addr
		c.Mail.SMTPFrom = "noreply@roamio.test"
		c.Mail.MaxAttempts = 2
		c.Mail.RetryBackoff = 10 * time.Millisecond
		c.Identity.RateLimitNamespace = ns
	})}
	if clock != nil {
		opts = append(opts, apptest.WithClock(clock))
	}
	return apptest.Start(t, append(opts, more...)...), smtp
}

func TestRoamioPasswordResetByMailedCode(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s, smtp := startWithMail(t, clock)
	u := s.NewUser(t)
	email := u.Username + "@example.com"
	c := newClient(s)

	send := c.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": strings.ToUpper(email), "type": "reset_password"})
	if send.status != 200 || send.body["success"] != true || send.body["expires_in"] != 600.0 || send.body["message"] != "验证码已发送到您的邮箱" {
		t.Fatalf("send: %d %s", send.status, send.raw)
	}
	msg := smtp.WaitFor(t, strings.ToUpper(email), nil, 15*time.Second)
	code := codeRE.FindString(msg.Body)
	if code == "" || !strings.Contains(msg.Subject, "重置密码") || msg.From != "noreply@roamio.test" {
		t.Fatalf("mail: from %s subject %q body %q", msg.From, msg.Subject, msg.Body)
	}

	// The log holds neither the address nor the code.
	recs, err := s.App.Store().ReadStream(context.Background(), identity.EmailVerificationStream(mustEmail(t, email)), eventlog.ReadStreamOptions{})
	if err != nil || len(recs) != 1 || recs[0].Type != identity.EventVerificationCodeRequested {
		t.Fatalf("verification stream: %v %v", recs, err)
	}
	if raw := strings.ToLower(string(recs[0].Data) + string(recs[0].Metadata)); strings.Contains(raw, strings.ToLower(u.Username)) || strings.Contains(raw, code) {
		t.Errorf("personal data or code in the log: %s", raw)
	}

	wrongCode := "000000"
	if code == wrongCode {
		wrongCode = "111111"
	}
	if r := c.do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": wrongCode, "type": "reset_password"}); r.status != 400 || r.body["error"] != "验证码错误" || r.body["code"] == nil {
		t.Errorf("wrong code: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": code, "type": "register"}); r.status != 400 {
		t.Errorf("code of another type: %d %s", r.status, r.raw)
	}
	v := c.do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": code, "type": "reset_password"})
	token, _ := v.body["verification_token"].(string)
	if v.status != 200 || v.body["verified"] != true || v.body["expires_in"] != 300.0 || token == "" || v.body["email"] != email {
		t.Fatalf("verify: %d %s", v.status, v.raw)
	}
	if r := c.do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": code, "type": "reset_password"}); r.status != 400 {
		t.Errorf("code used twice: %d %s", r.status, r.raw)
	}

	reset := func(tok, pw, confirm string) reply {
		return c.do(t, "POST", "/api/v1/auth/reset_password/", "", map[string]any{
			"email": email, "verification_token": tok, "new_password": pw, "password_confirm": confirm})
	}
	id, _, _ := strings.Cut(token, ".")
	for name, r := range map[string]reply{
		"forged token":        reset(id+".0123456789abcdef0123456789abcdef", "new-password-42", "new-password-42"),
		"garbage token":       reset("<script>alert(1)</script>", "new-password-42", "new-password-42"),
		"sql in token":        reset("' OR 1=1 --", "new-password-42", "new-password-42"),
		"mismatch":            reset(token, "new-password-42", "new-password-43"),
		"weak password":       reset(token, "12345678901", "12345678901"),
		"another's e-mail":    c.do(t, "POST", "/api/v1/auth/reset_password/", "", map[string]any{"email": "admin-nobody@example.com", "verification_token": token, "new_password": "new-password-42", "password_confirm": "new-password-42"}),
		"missing every field": c.do(t, "POST", "/api/v1/auth/reset_password/", "", map[string]any{}),
	} {
		if r.status != 400 || len(r.body) == 0 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	ok := reset(token, "new-password-42", "new-password-42")
	if ok.status != 200 || ok.body["success"] != true || ok.body["message"] != "密码重置成功,请使用新密码登录" {
		t.Fatalf("reset: %d %s", ok.status, ok.raw)
	}
	if r := reset(token, "other-password-42", "other-password-42"); r.status != 400 || r.body["verification_token"] == nil {
		t.Errorf("token replayed: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password}); r.status != 401 {
		t.Errorf("old password still works: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": email, "password": "new-password-42"}); r.status != 200 {
		t.Fatalf("new password: %d %s", r.status, r.raw)
	}
	// The reset proved the address.
	if r := c.do(t, "GET", "/api/v1/auth/me/", u.Bearer, nil); r.body["profile"].(map[string]any)["email_verified"] != true {
		t.Errorf("email not verified after reset: %s", r.raw)
	}
	// The audit trail: who changed the password, how.
	urecs, _ := s.App.Store().ReadStream(context.Background(), identity.UserStream(int64(u.ID)), eventlog.ReadStreamOptions{})
	var reasons []string
	for _, r := range urecs {
		if r.Type == identity.EventPasswordChanged {
			var e identity.PasswordChanged
			_ = json.Unmarshal(r.Data, &e)
			reasons = append(reasons, e.Reason)
		}
	}
	if strings.Join(reasons, ",") != "reset" {
		t.Errorf("password changes %v", reasons)
	}

	// Codes expire after 10 minutes; tokens after 5.
	c.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "verify_email"})
	msg = smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, "邮箱验证") }, 15*time.Second)
	clock.Advance(10*time.Minute + time.Second)
	if r := c.do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": codeRE.FindString(msg.Body), "type": "verify_email"}); r.status != 400 || r.body["error"] != "验证码已过期,请重新获取" {
		t.Errorf("expired code: %d %s", r.status, r.raw)
	}
}

func mustEmail(t *testing.T, s string) identity.Email {
	t.Helper()
	e, err := identity.NewEmail(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRoamioVerificationCodeLimitsAndValidation(t *testing.T) {
	t.Parallel()
	s, smtp := startWithMail(t, nil)
	u := s.NewUser(t)
	c := newClient(s)
	email := "fresh-" + randomHex(4) + "@example.com"
	for i := range 3 {
		if r := c.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "register"}); r.status != 200 {
			t.Fatalf("send %d: %d %s", i+1, r.status, r.raw)
		}
	}
	r := c.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "register"})
	if sec, _ := r.body["remaining_seconds"].(float64); r.status != 429 || r.body["error"] != "发送过于频繁,请稍后再试" || sec <= 0 || sec > 300 {
		t.Fatalf("fourth send in 5 min: %d %s", r.status, r.raw)
	}
	// Another client address is limited per e-mail just the same.
	other := newClient(s)
	if r := other.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "register"}); r.status != 429 {
		t.Errorf("per-email limit from another IP: %d %s", r.status, r.raw)
	}
	// Ten a client address an hour.
	ipc := newClient(s)
	for i := range 10 {
		if r := ipc.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": "ip" + randomHex(4) + "@example.com"}); r.status != 200 {
			t.Fatalf("send %d from one IP: %d %s", i+1, r.status, r.raw)
		}
	}
	if r := ipc.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": "ip" + randomHex(4) + "@example.com"}); r.status != 429 {
		t.Errorf("eleventh send from one IP: %d %s", r.status, r.raw)
	}
	smtp.WaitFor(t, email, nil, 15*time.Second)

	v := newClient(s)
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"register with a taken address", map[string]any{"email": u.Username + "@EXAMPLE.com", "type": "register"}, "email"},
		{"reset for an unknown address", map[string]any{"email": "nobody-" + randomHex(4) + "@example.com", "type": "reset_password"}, "email"},
		{"html in email", map[string]any{"email": "<script>alert(1)</script>@x.com", "type": "register"}, "email"},
		{"sql in email", map[string]any{"email": "a'; DROP TABLE users; --@x.com", "type": "register"}, "email"},
		{"sql in type", map[string]any{"email": "ok@example.com", "type": "register' OR '1'='1"}, "type"},
		{"email of wrong type", map[string]any{"email": []int{1}}, "email"},
		{"no email", map[string]any{"type": "register"}, "email"},
	} {
		r := v.do(t, "POST", "/api/v1/auth/send_verification_code/", "", tc.body)
		if r.status != 400 || r.body[tc.field] == nil {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
	if r := v.do(t, "POST", "/api/v1/auth/send_verification_code/", "", "{nope"); r.status != 400 {
		t.Errorf("malformed JSON: %d %s", r.status, r.raw)
	}
	if r := v.do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": "x@example.com", "code": "<b>1</b>", "type": "register"}); r.status != 400 || r.body["code"] == nil {
		t.Errorf("verify without a code requested: %d %s", r.status, r.raw)
	}
}

func TestRoamioRefreshCookieAndLogout(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	u := s.NewUser(t)
	c := newClient(s)
	login := c.do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password})
	if login.status != 200 {
		t.Fatalf("login: %d %s", login.status, login.raw)
	}
	setCookie := login.header.Get("Set-Cookie")
	if !strings.Contains(setCookie, "refresh_token=") || !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "Path=/api/v1/") {
		t.Fatalf("refresh cookie: %q", setCookie)
	}
	r := c.do(t, "POST", "/api/v1/token/refresh/", "", nil)
	if r.status != 200 || r.body["access"] == nil {
		t.Fatalf("refresh from the cookie with an empty body: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": ""}); r.status != 200 {
		t.Errorf("refresh with an empty field and the cookie: %d %s", r.status, r.raw)
	}
	access := "Bearer " + r.body["access"].(string)
	out := c.do(t, "POST", "/api/v1/auth/logout/", access, nil)
	if out.status != 200 || !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout with the cookie: %d %s %q", out.status, out.raw, out.header.Get("Set-Cookie"))
	}
	// The revoked refresh token no longer works, from the body either.
	var pair struct{ Refresh string }
	_ = json.Unmarshal([]byte(login.raw), &pair)
	if r := c.do(t, "POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": pair.Refresh}); r.status != 401 {
		t.Errorf("revoked refresh: %d %s", r.status, r.raw)
	}
	anon := newClient(s)
	if r := anon.do(t, "POST", "/api/v1/token/refresh/", "", nil); r.status != 400 || r.body["refresh"] == nil {
		t.Errorf("no body, no cookie: %d %s", r.status, r.raw)
	}
	anon.cookies = []*http.Cookie{{Name: "refresh_token", Value: "forged.token.value"}}
	if r := anon.do(t, "POST", "/api/v1/token/refresh/", "", nil); r.status != 401 {
		t.Errorf("forged cookie: %d %s", r.status, r.raw)
	}
}

func TestLoginAttemptsAreLimitedAcrossProcesses(t *testing.T) {
	t.Parallel()
	ns := "test-" + randomHex(6) + ":"
	limits := apptest.WithConfig(func(c *app.Config) {
		c.Identity.LoginLimitPerAccount = 3
		c.Identity.LoginLimitPerIP = 1000
		c.Identity.RateLimitNamespace = ns
	})
	a := apptest.Start(t, limits)
	b := apptest.Start(t, limits)
	u := a.NewUser(t)
	ca, cb := newClient(a), newClient(b)

	wrong := map[string]any{"username": u.Username, "password": "wrong-password"}
	for i := range 2 {
		if r := ca.do(t, "POST", "/api/v1/auth/login/", "", wrong); r.status != 401 {
			t.Fatalf("wrong password %d: %d %s", i+1, r.status, r.raw)
		}
	}
	// The third attempt, on the other process, is still counted.
	if r := cb.do(t, "POST", "/api/v1/token/", "", wrong); r.status != 401 {
		t.Fatalf("third attempt on process b: %d %s", r.status, r.raw)
	}
	r := ca.do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password})
	if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.HasPrefix(r.body["detail"].(string), "Request was throttled") {
		t.Fatalf("fourth attempt: %d %s", r.status, r.raw)
	}
	// Another account is not affected.
	v := a.NewUser(t)
	if r := ca.do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": v.Username, "password": v.Password}); r.status != 200 {
		t.Errorf("other account: %d %s", r.status, r.raw)
	}
}

func TestMailThatKeepsFailingIsParkedAndReplayed(t *testing.T) {
	t.Parallel()
	s, smtp := startWithMail(t, nil)
	u := s.NewUser(t)
	email := u.Username + "@example.com"
	smtp.FailNext(2) // MailMaxAttempts is 2
	c := newClient(s)
	if r := c.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "verify_email"}); r.status != 200 {
		t.Fatalf("send: %d %s", r.status, r.raw)
	}
	ctx := context.Background()
	w := s.App.Mail()
	deadline := time.Now().Add(15 * time.Second)
	for {
		parked, err := w.ParkedMail(ctx, app.MailWorkerName)
		if err != nil {
			t.Fatal(err)
		}
		if len(parked) == 1 {
			if parked[0].EventType != identity.EventVerificationCodeRequested || parked[0].Attempts != 2 || !strings.Contains(parked[0].LastError, "451") {
				t.Errorf("parked %+v", parked[0])
			}
			if err := w.ReplayMail(ctx, parked[0].ID); err != nil {
				t.Fatalf("replay: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing parked")
		}
		time.Sleep(50 * time.Millisecond)
	}
	msg := smtp.WaitFor(t, email, nil, 5*time.Second)
	if codeRE.FindString(msg.Body) == "" {
		t.Errorf("replayed mail: %q", msg.Body)
	}
	if parked, _ := w.ParkedMail(ctx, app.MailWorkerName); len(parked) != 0 {
		t.Errorf("still parked after replay: %+v", parked)
	}
	// A later code is sent normally: the worker went on.
	c.do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "reset_password"})
	smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, "重置密码") }, 15*time.Second)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
