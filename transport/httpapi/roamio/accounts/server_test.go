package accounts_test

import (
	"context"
	"encoding/json"
	"net/http"
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

func TestRoamioPasswordResetByMailedCode(t *testing.T) {
	t.Parallel()
	clock := apptest.NewFakeClock()
	s, smtp := apptest.StartWithMail(t, clock)
	u := s.NewUser(t)
	email := u.Username + "@example.com"
	c := apptest.NewClient(s)

	send := c.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": strings.ToUpper(email), "type": "reset_password"})
	if send.Status != 200 || send.Body["success"] != true || send.Body["expires_in"] != 600.0 || send.Body["message"] != "验证码已发送到您的邮箱" {
		t.Fatalf("send: %d %s", send.Status, send.Raw)
	}
	msg := smtp.WaitFor(t, strings.ToUpper(email), nil, 15*time.Second)
	code := apptest.Code(msg.Body)
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
	if r := c.Do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": wrongCode, "type": "reset_password"}); r.Status != 400 || r.Body["error"] != "验证码错误" || r.Body["code"] == nil {
		t.Errorf("wrong code: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": code, "type": "register"}); r.Status != 400 {
		t.Errorf("code of another type: %d %s", r.Status, r.Raw)
	}
	v := c.Do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": code, "type": "reset_password"})
	token, _ := v.Body["verification_token"].(string)
	if v.Status != 200 || v.Body["verified"] != true || v.Body["expires_in"] != 300.0 || token == "" || v.Body["email"] != email {
		t.Fatalf("verify: %d %s", v.Status, v.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": code, "type": "reset_password"}); r.Status != 400 {
		t.Errorf("code used twice: %d %s", r.Status, r.Raw)
	}

	reset := func(tok, pw, confirm string) apptest.Reply {
		return c.Do(t, "POST", "/api/v1/auth/reset_password/", "", map[string]any{
			"email": email, "verification_token": tok, "new_password": pw, "password_confirm": confirm})
	}
	id, _, _ := strings.Cut(token, ".")
	for name, r := range map[string]apptest.Reply{
		"forged token":        reset(id+".0123456789abcdef0123456789abcdef", "new-password-42", "new-password-42"),
		"garbage token":       reset("<script>alert(1)</script>", "new-password-42", "new-password-42"),
		"sql in token":        reset("' OR 1=1 --", "new-password-42", "new-password-42"),
		"mismatch":            reset(token, "new-password-42", "new-password-43"),
		"weak password":       reset(token, "12345678901", "12345678901"),
		"another's e-mail":    c.Do(t, "POST", "/api/v1/auth/reset_password/", "", map[string]any{"email": "admin-nobody@example.com", "verification_token": token, "new_password": "new-password-42", "password_confirm": "new-password-42"}),
		"missing every field": c.Do(t, "POST", "/api/v1/auth/reset_password/", "", map[string]any{}),
	} {
		t.Run("reset refused: "+name, func(t *testing.T) {
			if r.Status != 400 || len(r.Body) == 0 {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		})
	}
	ok := reset(token, "new-password-42", "new-password-42")
	if ok.Status != 200 || ok.Body["success"] != true || ok.Body["message"] != "密码重置成功,请使用新密码登录" {
		t.Fatalf("reset: %d %s", ok.Status, ok.Raw)
	}
	if r := reset(token, "other-password-42", "other-password-42"); r.Status != 400 || r.Body["verification_token"] == nil {
		t.Errorf("token replayed: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password}); r.Status != 401 {
		t.Errorf("old password still works: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": email, "password": "new-password-42"}); r.Status != 200 {
		t.Fatalf("new password: %d %s", r.Status, r.Raw)
	}
	// The reset proved the address.
	if r := c.Do(t, "GET", "/api/v1/auth/me/", u.Bearer, nil); r.Body["profile"].(map[string]any)["email_verified"] != true {
		t.Errorf("email not verified after reset: %s", r.Raw)
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
	c.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "verify_email"})
	msg = smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, "邮箱验证") }, 15*time.Second)
	clock.Advance(10*time.Minute + time.Second)
	if r := c.Do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": email, "code": apptest.Code(msg.Body), "type": "verify_email"}); r.Status != 400 || r.Body["error"] != "验证码已过期,请重新获取" {
		t.Errorf("expired code: %d %s", r.Status, r.Raw)
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
	s, smtp := apptest.StartWithMail(t, nil)
	u := s.NewUser(t)
	email := "fresh-" + apptest.RandomHex(4) + "@example.com"
	t.Run("three codes an address in 5 minutes", func(t *testing.T) {
		c := apptest.NewClient(s)
		for i := range 3 {
			if r := c.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "register"}); r.Status != 200 {
				t.Fatalf("send %d: %d %s", i+1, r.Status, r.Raw)
			}
		}
		r := c.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "register"})
		if sec, _ := r.Body["remaining_seconds"].(float64); r.Status != 429 || r.Body["error"] != "发送过于频繁,请稍后再试" || sec <= 0 || sec > 300 {
			t.Fatalf("fourth send in 5 min: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("another client address is limited per e-mail just the same", func(t *testing.T) {
		other := apptest.NewClient(s)
		if r := other.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "register"}); r.Status != 429 {
			t.Errorf("per-email limit from another IP: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("ten codes a client address an hour", func(t *testing.T) {
		ipc := apptest.NewClient(s)
		for i := range 10 {
			if r := ipc.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": "ip" + apptest.RandomHex(4) + "@example.com"}); r.Status != 200 {
				t.Fatalf("send %d from one IP: %d %s", i+1, r.Status, r.Raw)
			}
		}
		if r := ipc.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": "ip" + apptest.RandomHex(4) + "@example.com"}); r.Status != 429 {
			t.Errorf("eleventh send from one IP: %d %s", r.Status, r.Raw)
		}
	})
	smtp.WaitFor(t, email, nil, 15*time.Second)

	v := apptest.NewClient(s)
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"register with a taken address", map[string]any{"email": u.Username + "@EXAMPLE.com", "type": "register"}, "email"},
		{"reset for an unknown address", map[string]any{"email": "nobody-" + apptest.RandomHex(4) + "@example.com", "type": "reset_password"}, "email"},
		{"html in email", map[string]any{"email": "<script>alert(1)</script>@x.com", "type": "register"}, "email"},
		{"sql in email", map[string]any{"email": "a'; DROP TABLE users; --@x.com", "type": "register"}, "email"},
		{"sql in type", map[string]any{"email": "ok@example.com", "type": "register' OR '1'='1"}, "type"},
		{"email of wrong type", map[string]any{"email": []int{1}}, "email"},
		{"no email", map[string]any{"type": "register"}, "email"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			r := v.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", tc.body)
			if r.Status != 400 || r.Body[tc.field] == nil {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Raw)
			}
		})
	}
	t.Run("refused: malformed JSON", func(t *testing.T) {
		if r := v.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", "{nope"); r.Status != 400 {
			t.Errorf("malformed JSON: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("refused: verify without a code requested", func(t *testing.T) {
		if r := v.Do(t, "POST", "/api/v1/auth/verify_code/", "", map[string]any{"email": "x@example.com", "code": "<b>1</b>", "type": "register"}); r.Status != 400 || r.Body["code"] == nil {
			t.Errorf("verify without a code requested: %d %s", r.Status, r.Raw)
		}
	})
}

func TestRoamioRefreshCookieAndLogout(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	u := s.NewUser(t)
	c := apptest.NewClient(s)
	login := c.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password})
	if login.Status != 200 {
		t.Fatalf("login: %d %s", login.Status, login.Raw)
	}
	setCookie := login.Header.Get("Set-Cookie")
	if !strings.Contains(setCookie, "refresh_token=") || !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "Path=/api/v1/") {
		t.Fatalf("refresh cookie: %q", setCookie)
	}
	r := c.Do(t, "POST", "/api/v1/token/refresh/", "", nil)
	if r.Status != 200 || r.Body["access"] == nil {
		t.Fatalf("refresh from the cookie with an empty body: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": ""}); r.Status != 200 {
		t.Errorf("refresh with an empty field and the cookie: %d %s", r.Status, r.Raw)
	}
	access := "Bearer " + r.Body["access"].(string)
	out := c.Do(t, "POST", "/api/v1/auth/logout/", access, nil)
	if out.Status != 200 || !strings.Contains(out.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout with the cookie: %d %s %q", out.Status, out.Raw, out.Header.Get("Set-Cookie"))
	}
	// The revoked refresh token no longer works, from the body either.
	var pair struct{ Refresh string }
	_ = json.Unmarshal([]byte(login.Raw), &pair)
	if r := c.Do(t, "POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": pair.Refresh}); r.Status != 401 {
		t.Errorf("revoked refresh: %d %s", r.Status, r.Raw)
	}
	anon := apptest.NewClient(s)
	if r := anon.Do(t, "POST", "/api/v1/token/refresh/", "", nil); r.Status != 400 || r.Body["refresh"] == nil {
		t.Errorf("no body, no cookie: %d %s", r.Status, r.Raw)
	}
	anon.Cookies = []*http.Cookie{{Name: "refresh_token", Value: "forged.token.value"}}
	if r := anon.Do(t, "POST", "/api/v1/token/refresh/", "", nil); r.Status != 401 {
		t.Errorf("forged cookie: %d %s", r.Status, r.Raw)
	}
}

func TestLoginAttemptsAreLimitedAcrossProcesses(t *testing.T) {
	t.Parallel()
	ns := "test-" + apptest.RandomHex(6) + ":"
	limits := apptest.WithConfig(func(c *app.Config) {
		c.Identity.LoginLimitPerAccount = 3
		c.Identity.LoginLimitPerIP = 1000
		c.Identity.RateLimitNamespace = ns
	})
	a := apptest.Start(t, limits)
	b := apptest.Start(t, limits)
	u := a.NewUser(t)
	ca, cb := apptest.NewClient(a), apptest.NewClient(b)

	wrong := map[string]any{"username": u.Username, "password": "wrong-password"}
	for i := range 2 {
		if r := ca.Do(t, "POST", "/api/v1/auth/login/", "", wrong); r.Status != 401 {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	// The third attempt, on the other process, is still counted.
	if r := cb.Do(t, "POST", "/api/v1/token/", "", wrong); r.Status != 401 {
		t.Fatalf("third attempt on process b: %d %s", r.Status, r.Raw)
	}
	t.Run("the fourth attempt is refused, even with the right password", func(t *testing.T) {
		r := ca.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password})
		if detail, _ := r.Body["detail"].(string); r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(detail, "Request was throttled") {
			t.Fatalf("fourth attempt: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("another account is not affected", func(t *testing.T) {
		v := a.NewUser(t)
		if r := ca.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": v.Username, "password": v.Password}); r.Status != 200 {
			t.Errorf("other account: %d %s", r.Status, r.Raw)
		}
	})
}

func TestMailThatKeepsFailingIsParkedAndReplayed(t *testing.T) {
	t.Parallel()
	s, smtp := apptest.StartWithMail(t, nil)
	u := s.NewUser(t)
	email := u.Username + "@example.com"
	smtp.FailNext(2) // MailMaxAttempts is 2
	c := apptest.NewClient(s)
	if r := c.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "verify_email"}); r.Status != 200 {
		t.Fatalf("send: %d %s", r.Status, r.Raw)
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
	if apptest.Code(msg.Body) == "" {
		t.Errorf("replayed mail: %q", msg.Body)
	}
	if parked, _ := w.ParkedMail(ctx, app.MailWorkerName); len(parked) != 0 {
		t.Errorf("still parked after replay: %+v", parked)
	}
	// A later code is sent normally: the worker went on.
	c.Do(t, "POST", "/api/v1/auth/send_verification_code/", "", map[string]any{"email": email, "type": "reset_password"})
	smtp.WaitFor(t, email, func(m smtptest.Message) bool { return strings.Contains(m.Subject, "重置密码") }, 15*time.Second)
}
