package accounts_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

func TestRegisterLoginMe(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reg := h.register("Ann")
	if reg.header.Get("X-Event-Position") == "" {
		t.Error("no position header on register")
	}
	user := reg.body["user"].(map[string]any)
	if diff := cmp.Diff(map[string]any{"id": 1.0, "username": "Ann", "email": "Ann@example.com",
		"profile": map[string]any{"avatar": nil, "bio": "", "level": "novice"}}, user); diff != "" {
		t.Errorf("registered user (-want +got):\n%s", diff)
	}
	access := str(reg.body["access"])
	if access == "" || str(reg.body["refresh"]) == "" {
		t.Fatalf("tokens missing: %s", reg.raw)
	}
	// A read right after the write sees it.
	me := h.do("GET", "/api/v1/auth/me/", "Bearer "+access, nil)
	if me.status != 200 || me.body["username"] != "Ann" || me.body["id"] != 1.0 || me.body["email"] != "Ann@example.com" {
		t.Fatalf("me: %d %s", me.status, me.raw)
	}
	for _, k := range []string{"profile", "social_accounts", "trips_count", "comments_count"} {
		if _, ok := me.body[k]; !ok {
			t.Errorf("me lacks %q: %s", k, me.raw)
		}
	}

	for _, tc := range []struct{ path, username string }{
		{"/api/v1/auth/login/", "ann"},
		{"/api/v1/auth/login/", "ANN@example.com"},
		{"/api/v1/token/", "Ann"},
		{"/api/v1/auth/login", "Ann"},
	} {
		a := h.do("POST", tc.path, "", map[string]any{"username": tc.username, "password": "pw-Ann-long"})
		if a.status != 200 || str(a.body["access"]) == "" || str(a.body["refresh"]) == "" {
			t.Fatalf("%s as %s: %d %s", tc.path, tc.username, a.status, a.raw)
		}
		if diff := cmp.Diff(map[string]any{"id": 1.0, "username": "Ann", "email": "Ann@example.com"}, a.body["user"]); diff != "" {
			t.Errorf("%s user (-want +got):\n%s", tc.path, diff)
		}
	}
	bad := h.do("POST", "/api/v1/auth/login/", "", map[string]any{"username": "Ann", "password": "wrong-password"})
	if bad.status != 401 || bad.body["detail"] != "No active account found with the given credentials" {
		t.Errorf("wrong password: %d %s", bad.status, bad.raw)
	}
	if a := h.do("POST", "/api/v1/token/", "", map[string]any{"username": "nobody", "password": "x"}); a.status != 401 {
		t.Errorf("unknown user: %d %s", a.status, a.raw)
	}
}

func TestRefreshAndExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reg := h.register("bob")
	access, refresh := str(reg.body["access"]), str(reg.body["refresh"])

	h.clock.Advance(4 * time.Minute)
	if a := h.do("GET", "/api/v1/auth/me/", "Bearer "+access, nil); a.status != 200 {
		t.Fatalf("access after 4 min: %d %s", a.status, a.raw)
	}
	h.clock.Advance(time.Minute)
	expired := h.do("GET", "/api/v1/auth/me/", "Bearer "+access, nil)
	if expired.status != 401 || expired.body["code"] != "token_not_valid" || expired.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("access after 5 min: %d %s", expired.status, expired.raw)
	}
	r := h.do("POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": refresh})
	if r.status != 200 || len(r.body) != 1 || str(r.body["access"]) == "" {
		t.Fatalf("refresh: %d %s", r.status, r.raw)
	}
	if a := h.do("GET", "/api/v1/auth/me/", "Bearer "+str(r.body["access"]), nil); a.status != 200 {
		t.Fatalf("refreshed access: %d %s", a.status, a.raw)
	}
	for name, tok := range map[string]string{"access as refresh": access, "garbage": "abc", "empty": ""} {
		a := h.do("POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": tok})
		if tok == "" {
			if a.status != 400 || a.body["refresh"] == nil {
				t.Errorf("%s: %d %s", name, a.status, a.raw)
			}
			continue
		}
		if a.status != 401 || a.body["code"] != "token_not_valid" {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}

	// Logout revokes the refresh token (an event), after which it is refused.
	fresh := str(r.body["access"])
	out := h.do("POST", "/api/v1/auth/logout/", "Bearer "+fresh, map[string]any{"refresh": refresh})
	if out.status != 200 || out.header.Get("X-Event-Position") == "" {
		t.Fatalf("logout: %d %s", out.status, out.raw)
	}
	if a := h.do("POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": refresh}); a.status != 401 {
		t.Errorf("revoked refresh: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", "/api/v1/auth/logout/", "", map[string]any{"refresh": refresh}); a.status != 401 {
		t.Errorf("anonymous logout: %d %s", a.status, a.raw)
	}

	login := h.do("POST", "/api/v1/token/", "", map[string]any{"username": "bob", "password": "pw-bob-long"})
	h.clock.Advance(15*24*time.Hour + time.Second)
	if a := h.do("POST", "/api/v1/token/refresh/", "", map[string]any{"refresh": str(login.body["refresh"])}); a.status != 401 {
		t.Errorf("refresh after 15 days: %d %s", a.status, a.raw)
	}
}

func TestBadCredentialsAre401(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reg := h.register("carl")
	access := str(reg.body["access"])
	parts := strings.Split(access, ".")
	// Same header and payload, signed with another secret.
	other := identitycmd.NewTokens([]byte("some other secret of 32 bytes or more"), time.Minute, time.Hour)
	forged, _ := other.IssuePair(1, h.clock.Now())
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"user_id":"1"`, `"user_id":"2"`, 1))) + "." + parts[2]
	for name, auth := range map[string]string{
		"forged":          "Bearer " + forged.Access,
		"alg none":        "Bearer " + none,
		"tampered":        "Bearer " + tampered,
		"refresh as auth": "Bearer " + str(reg.body["refresh"]),
		"garbage":         "Bearer garbage",
		"unknown scheme":  "Basic Y2FybDpwdw==",
		"unknown token":   "Token 0123456789abcdef0123456789abcdef01234567",
	} {
		a := h.do("GET", "/api/v1/auth/me/", auth, nil)
		if a.status != 401 || a.body["detail"] == nil {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	if a := h.do("GET", "/api/v1/auth/me/", "", nil); a.status != 401 || a.body["detail"] != "Authentication credentials were not provided." {
		t.Errorf("anonymous: %d %s", a.status, a.raw)
	}
}

func TestValidationIs400NamingTheField(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register("dora")
	for _, tc := range []struct {
		name   string
		path   string
		body   any
		fields []string
	}{
		{"empty body", "/api/v1/auth/register/", "", []string{"username", "email", "password", "password_confirm"}},
		{"wrong types", "/api/v1/auth/register/", map[string]any{"username": true, "email": []int{1}, "password": map[string]any{}, "password_confirm": nil},
			[]string{"username", "email", "password", "password_confirm"}},
		{"invalid values", "/api/v1/auth/register/", map[string]any{"username": "a b", "email": "nope", "password": "123", "password_confirm": "123"},
			[]string{"username", "email", "password"}},
		{"mismatch and bad e-mail", "/api/v1/auth/register/", map[string]any{"username": "eve", "email": "x", "password": "long enough pw", "password_confirm": "other"},
			[]string{"email", "password_confirm"}},
		{"blank e-mail", "/api/v1/auth/register/", map[string]any{"username": "eve", "email": "", "password": "long enough pw", "password_confirm": "long enough pw"},
			[]string{"email"}},
		{"taken", "/api/v1/auth/register/", map[string]any{"username": "DORA", "email": "dora@EXAMPLE.com", "password": "long enough pw", "password_confirm": "long enough pw"},
			[]string{"username", "email"}},
		{"login without password", "/api/v1/auth/login/", map[string]any{"username": "dora"}, []string{"password"}},
		{"login with number password", "/api/v1/token/", map[string]any{"username": "dora", "password": 12345678}, nil},
		{"login blank", "/api/v1/token/", map[string]any{"username": " ", "password": ""}, []string{"username", "password"}},
		{"refresh of wrong type", "/api/v1/token/refresh/", map[string]any{"refresh": 5.5}, nil},
		{"list body", "/api/v1/auth/login/", "[1,2]", []string{"non_field_errors"}},
	} {
		a := h.do("POST", tc.path, "", tc.body)
		if tc.fields == nil {
			if a.status != 400 && a.status != 401 {
				t.Errorf("%s: %d %s", tc.name, a.status, a.raw)
			}
			continue
		}
		if a.status != 400 {
			t.Errorf("%s: status %d %s", tc.name, a.status, a.raw)
			continue
		}
		var got []string
		for k, v := range a.body {
			msgs, ok := v.([]any)
			if !ok || len(msgs) == 0 {
				t.Errorf("%s: %s is not a list of messages: %s", tc.name, k, a.raw)
			}
			got = append(got, k)
		}
		if diff := cmp.Diff(tc.fields, got, cmp.Transformer("sort", sorted)); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s\n%s", tc.name, diff, a.raw)
		}
	}
	for _, raw := range []string{"{", `{"username": "x",}`, `{"a":1} {"b":2}`, "nul"} {
		a := h.do("POST", "/api/v1/auth/register/", "", raw)
		if a.status != 400 || !strings.HasPrefix(str(a.body["detail"]), "JSON parse error") {
			t.Errorf("malformed %q: %d %s", raw, a.status, a.raw)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestConcurrentRegistrationOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var wg sync.WaitGroup
	answers := make([]answer, 50)
	start := make(chan struct{})
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = h.do("POST", "/api/v1/auth/register/", "", map[string]any{
				"username": []string{"Same", "SAME", "same"}[i%3], "email": fmt.Sprintf("same%d@example.com", i),
				"password": "long enough pw", "password_confirm": "long enough pw"})
		}()
	}
	close(start)
	wg.Wait()
	created := 0
	for _, a := range answers {
		switch {
		case a.status == 201:
			created++
		case a.status == 400 && a.body["username"] != nil:
		default:
			t.Errorf("unexpected answer %d %s", a.status, a.raw)
		}
	}
	if created != 1 {
		t.Fatalf("%d registrations won, want 1", created)
	}
}

func TestAPITokenSlidesAndExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register("erin")
	get := func() string {
		t.Helper()
		a := h.do("POST", "/auth/get-token/", "", map[string]any{"username": "erin", "password": "pw-erin-long"})
		if a.status != 200 || len(a.body) != 1 || len(str(a.body["token"])) != 40 {
			t.Fatalf("get-token: %d %s", a.status, a.raw)
		}
		return str(a.body["token"])
	}
	key := get()
	me := func() answer { return h.do("GET", "/api/v1/auth/me/", "Token "+key, nil) }
	// The Token credential is accepted by another module (Roamio's me).
	if a := me(); a.status != 200 || a.body["username"] != "erin" {
		t.Fatalf("me with token: %d %s", a.status, a.raw)
	}
	if again := get(); again != key {
		t.Errorf("valid key not reused: %s then %s", key, again)
	}
	// Used every 2 h 50 min, it lives on well past 3 h after issue.
	for range 3 {
		h.clock.Advance(2*time.Hour + 50*time.Minute)
		if a := me(); a.status != 200 {
			t.Fatalf("token used within 3 h: %d %s", a.status, a.raw)
		}
	}
	// Uses are recorded coarsely: one event per use here, none within a minute.
	h.clock.Advance(10 * time.Second)
	me()
	g, err := h.cmds.GetAPIToken(context.Background(), identitycmd.GetAPIToken{Username: "erin", Password: "pw-erin-long"})
	if err != nil || g.Key != key {
		t.Fatalf("reuse: %+v %v", g, err)
	}
	recs, err := h.store.ReadStream(context.Background(), identity.APITokenStream(g.TokenID), eventlog.ReadStreamOptions{})
	if err != nil || len(recs) != 3 {
		t.Errorf("%d recorded uses (%v), want 3", len(recs), err)
	}
	// 3 h of disuse: refused, and get-token hands out a new key.
	h.clock.Advance(3*time.Hour + time.Second)
	if a := me(); a.status != 401 {
		t.Fatalf("token after 3 h of disuse: %d %s", a.status, a.raw)
	}
	if fresh := get(); fresh == key {
		t.Error("expired key handed out again")
	}
	if a := h.do("POST", "/auth/get-token/", "", map[string]any{"username": "erin", "password": "wrong"}); a.status != 400 ||
		fmt.Sprint(a.body["non_field_errors"]) != "[Unable to log in with provided credentials.]" {
		t.Errorf("wrong password: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", "/auth/get-token/", "", map[string]any{"password": 5}); a.status != 400 || a.body["username"] == nil {
		t.Errorf("missing username: %d %s", a.status, a.raw)
	}
}

func TestAdminIsAnEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	boot := identitycmd.BootstrapAdmin{Username: "root", Password: "root-password"}
	first, err := h.cmds.BootstrapAdmin(ctx, boot)
	if err != nil || !first.Created {
		t.Fatalf("bootstrap: %+v %v", first, err)
	}
	again, err := h.cmds.BootstrapAdmin(ctx, boot)
	if err != nil || again.Created || again.Granted || again.UserID != first.UserID {
		t.Fatalf("bootstrap again: %+v %v", again, err)
	}
	fin := h.register("fin")
	finID := int64(fin.body["user"].(map[string]any)["id"].(float64))
	granted, err := h.cmds.GrantAdmin(ctx, identitycmd.GrantAdmin{Meta: eventlog.Metadata{UserID: "1"}, Actor: access.Actor{UserID: first.UserID}, UserID: finID})
	pos := granted.Position
	if err != nil {
		t.Fatal(err)
	}
	recs, err := h.store.ReadStream(ctx, identity.UserStream(finID), eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 1})
	if err != nil || recs[0].Type != identity.EventAdminGranted || recs[0].Position != pos {
		t.Fatalf("last event of fin: %+v %v", recs, err)
	}
	if err := h.waiter.WaitFor(ctx, pos); err != nil {
		t.Fatal(err)
	}
	if a := h.do("GET", "/api/v1/auth/me/", "Bearer "+str(fin.body["access"]), nil); a.status != 200 || a.body["is_admin"] != true {
		t.Errorf("me after grant: %d %s", a.status, a.raw)
	}
	login := h.do("POST", "/api/v1/token/", "", map[string]any{"username": "root", "password": "root-password"})
	if login.status != http.StatusOK {
		t.Fatalf("admin login: %d %s", login.status, login.raw)
	}
	if a := h.do("GET", "/api/v1/auth/me/", "Bearer "+str(login.body["access"]), nil); a.body["is_admin"] != true {
		t.Errorf("admin me: %s", a.raw)
	}
}
