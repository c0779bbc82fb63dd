package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
)

// Ralendar's account routes (000, /api/auth/…, /api/user/…), on the same
// accounts as Roamio.

func TestRalendarAccountRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := apptest.Start(t, apptest.WithClock(clock))
	c := newClient(s)
	name := "cal" + randomHex(4)
	reg := c.do(t, "POST", "/api/auth/register/", "", map[string]any{"username": name, "password": "calendar-pw-1"})
	if reg.status != 201 || reg.body["username"] != name || reg.body["email"] != "" || reg.body["id"] == nil || len(reg.body) != 3 {
		t.Fatalf("register: %d %s", reg.status, reg.raw)
	}
	login := c.do(t, "POST", "/api/auth/login/", "", map[string]any{"username": name, "password": "calendar-pw-1"})
	user, _ := login.body["user"].(map[string]any)
	if login.status != 200 || login.body["access"] == nil || login.body["refresh"] == nil || user["photo"] != "" || user["username"] != name {
		t.Fatalf("login: %d %s", login.status, login.raw)
	}
	bearer := "Bearer " + login.body["access"].(string)
	if r := c.do(t, "GET", "/api/auth/me/", bearer, nil); r.status != 200 || r.body["username"] != name || r.body["photo"] != "" {
		t.Errorf("me: %d %s", r.status, r.raw)
	}
	// One account: Roamio's me accepts Ralendar's token.
	if r := c.do(t, "GET", "/api/v1/auth/me/", bearer, nil); r.status != 200 || r.body["username"] != name {
		t.Errorf("roamio me with ralendar token: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "GET", "/api/user/stats/", bearer, nil); r.status != 200 || r.body["total_events"] != 0.0 || r.body["upcoming_events"] != 0.0 {
		t.Errorf("stats: %d %s", r.status, r.raw)
	}
	b := c.do(t, "GET", "/api/user/bindings/", bearer, nil)
	if b.status != 200 || b.body["has_password"] != true || b.body["has_qq"] != false || b.body["has_acwing"] != false || b.body["qq_nickname"] != "" {
		t.Errorf("bindings: %d %s", b.status, b.raw)
	}
	if r := c.do(t, "DELETE", "/api/user/unbind/qq/", bearer, nil); r.status != 400 || r.body["error"] == nil {
		t.Errorf("unbind without binding: %d %s", r.status, r.raw)
	}

	// Profile: rename and set an address; the old name is free again.
	newName := "cal" + randomHex(4)
	email := newName + "@example.com"
	p := c.do(t, "PATCH", "/api/user/profile/", bearer, map[string]any{"username": newName, "email": email})
	if p.status != 200 || p.body["username"] != newName || p.body["email"] != email {
		t.Fatalf("profile: %d %s", p.status, p.raw)
	}
	if r := c.do(t, "POST", "/api/auth/login/", "", map[string]any{"username": email, "password": "calendar-pw-1"}); r.status != 200 ||
		r.body["user"].(map[string]any)["username"] != newName {
		t.Errorf("login by the new address: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": newName, "password": "calendar-pw-1"}); r.status != 200 ||
		r.body["user"].(map[string]any)["email"] != email {
		t.Errorf("roamio login after rename: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/auth/login/", "", map[string]any{"username": name, "password": "calendar-pw-1"}); r.status != 401 {
		t.Errorf("old name still logs in: %d %s", r.status, r.raw)
	}
	other := s.NewUser(t)
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"taken username", map[string]any{"username": strings.ToUpper(other.Username)}, "username"},
		{"taken address", map[string]any{"email": other.Username + "@example.com"}, "email"},
		{"html in username", map[string]any{"username": "<img src=x onerror=alert(1)>"}, "username"},
		{"sql in username", map[string]any{"username": "x'; DROP TABLE users;--"}, "username"},
		{"html in email", map[string]any{"email": "<b>x</b>@example.com"}, "email"},
		{"number as username", map[string]any{"username": []any{1}}, "username"},
	} {
		r := c.do(t, "PATCH", "/api/user/profile/", bearer, tc.body)
		if r.status != 400 || r.body[tc.field] == nil {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
	// The address is not in the log in clear.
	recs, _ := s.App.Store().ReadAll(context.Background(), eventlog.ReadAllOptions{Filter: eventlog.Filter{EventTypes: []string{identity.EventEmailChanged}}, Max: 1000})
	if len(recs) == 0 {
		t.Fatal("no EmailChanged")
	}
	for _, r := range recs {
		if strings.Contains(string(r.Data), newName) {
			t.Errorf("address in the log: %s", r.Data)
		}
	}

	// Password.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"old_password": "wrong-one", "new_password": "calendar-pw-2"}, "old_password"},
		{map[string]any{"old_password": "calendar-pw-1", "new_password": "123"}, "new_password"},
		{map[string]any{"new_password": "calendar-pw-2"}, "old_password"},
	} {
		if r := c.do(t, "POST", "/api/user/change-password/", bearer, tc.body); r.status != 400 || r.body[tc.field] == nil {
			t.Errorf("change-password %v: %d %s", tc.body, r.status, r.raw)
		}
	}
	if r := c.do(t, "POST", "/api/user/change-password/", bearer, map[string]any{"old_password": "calendar-pw-1", "new_password": "calendar-pw-2"}); r.status != 200 ||
		r.body["message"] != "密码修改成功,请重新登录" {
		t.Fatalf("change-password: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/auth/login/", "", map[string]any{"username": newName, "password": "calendar-pw-2"}); r.status != 200 {
		t.Errorf("login with the new password: %d %s", r.status, r.raw)
	}

	// Refresh, expiry, forged and absent tokens.
	if r := c.do(t, "POST", "/api/auth/refresh/", "", map[string]any{"refresh": login.body["refresh"]}); r.status != 200 || r.body["access"] == nil {
		t.Errorf("refresh: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "POST", "/api/auth/refresh/", "", map[string]any{"refresh": login.body["access"]}); r.status != 401 {
		t.Errorf("access as refresh: %d %s", r.status, r.raw)
	}
	clock.Advance(5*time.Minute + time.Second)
	for name, auth := range map[string]string{"expired": bearer, "forged": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.x", "none": ""} {
		for _, path := range []string{"/api/auth/me/", "/api/user/bindings/", "/api/user/stats/"} {
			if r := c.do(t, "GET", path, auth, nil); r.status != 401 {
				t.Errorf("%s token on %s: %d %s", name, path, r.status, r.raw)
			}
		}
		if r := c.do(t, "PATCH", "/api/user/profile/", auth, map[string]any{"username": "hijack"}); r.status != 401 {
			t.Errorf("%s token on profile: %d %s", name, r.status, r.raw)
		}
	}
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"password": "x"}, "username"},
		{map[string]any{"username": "a b", "password": "long-enough-1"}, "username"},
		{map[string]any{"username": "ok" + randomHex(3), "password": "long-enough-1", "email": "<script>"}, "email"},
		{map[string]any{"username": "ok" + randomHex(3), "password": "1"}, "password"},
	} {
		if r := c.do(t, "POST", "/api/auth/register/", "", tc.body); r.status != 400 || r.body[tc.field] == nil {
			t.Errorf("register %v: %d %s", tc.body, r.status, r.raw)
		}
	}
}
