package ralendar_test

import (
	"context"
	"fmt"
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
	clock := apptest.NewFakeClock()
	s := apptest.Start(t, apptest.WithClock(clock))
	c := apptest.NewClient(s)
	name := "cal" + apptest.RandomHex(4)
	reg := c.Do(t, "POST", "/api/auth/register/", "", map[string]any{"username": name, "password": "calendar-pw-1"})
	if reg.Status != 201 || reg.Body["username"] != name || reg.Body["email"] != "" || reg.Body["id"] == nil || len(reg.Body) != 3 {
		t.Fatalf("register: %d %s", reg.Status, reg.Raw)
	}
	login := c.Do(t, "POST", "/api/auth/login/", "", map[string]any{"username": name, "password": "calendar-pw-1"})
	user, _ := login.Body["user"].(map[string]any)
	if login.Status != 200 || login.Body["access"] == nil || login.Body["refresh"] == nil || user["photo"] != "" || user["username"] != name {
		t.Fatalf("login: %d %s", login.Status, login.Raw)
	}
	bearer := "Bearer " + login.Body["access"].(string)
	if r := c.Do(t, "GET", "/api/auth/me/", bearer, nil); r.Status != 200 || r.Body["username"] != name || r.Body["photo"] != "" {
		t.Errorf("me: %d %s", r.Status, r.Raw)
	}
	// One account: Roamio's me accepts Ralendar's token.
	if r := c.Do(t, "GET", "/api/v1/auth/me/", bearer, nil); r.Status != 200 || r.Body["username"] != name {
		t.Errorf("roamio me with ralendar token: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "GET", "/api/user/stats/", bearer, nil); r.Status != 200 || r.Body["total_events"] != 0.0 || r.Body["upcoming_events"] != 0.0 {
		t.Errorf("stats: %d %s", r.Status, r.Raw)
	}
	b := c.Do(t, "GET", "/api/user/bindings/", bearer, nil)
	if b.Status != 200 || b.Body["has_password"] != true || b.Body["has_qq"] != false || b.Body["has_acwing"] != false || b.Body["qq_nickname"] != "" {
		t.Errorf("bindings: %d %s", b.Status, b.Raw)
	}
	if r := c.Do(t, "DELETE", "/api/user/unbind/qq/", bearer, nil); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("unbind without binding: %d %s", r.Status, r.Raw)
	}

	// Profile: rename and set an address; the old name is free again.
	newName := "cal" + apptest.RandomHex(4)
	email := newName + "@example.com"
	p := c.Do(t, "PATCH", "/api/user/profile/", bearer, map[string]any{"username": newName, "email": email})
	if p.Status != 200 || p.Body["username"] != newName || p.Body["email"] != email {
		t.Fatalf("profile: %d %s", p.Status, p.Raw)
	}
	if r := c.Do(t, "POST", "/api/auth/login/", "", map[string]any{"username": email, "password": "calendar-pw-1"}); r.Status != 200 ||
		r.Body["user"].(map[string]any)["username"] != newName {
		t.Errorf("login by the new address: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": newName, "password": "calendar-pw-1"}); r.Status != 200 ||
		r.Body["user"].(map[string]any)["email"] != email {
		t.Errorf("roamio login after rename: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/auth/login/", "", map[string]any{"username": name, "password": "calendar-pw-1"}); r.Status != 401 {
		t.Errorf("old name still logs in: %d %s", r.Status, r.Raw)
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
		t.Run("profile refused: "+tc.name, func(t *testing.T) {
			r := c.Do(t, "PATCH", "/api/user/profile/", bearer, tc.body)
			if r.Status != 400 || r.Body[tc.field] == nil {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Raw)
			}
		})
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
		t.Run(fmt.Sprintf("change-password refused: %v", tc.body), func(t *testing.T) {
			if r := c.Do(t, "POST", "/api/user/change-password/", bearer, tc.body); r.Status != 400 || r.Body[tc.field] == nil {
				t.Errorf("change-password %v: %d %s", tc.body, r.Status, r.Raw)
			}
		})
	}
	if r := c.Do(t, "POST", "/api/user/change-password/", bearer, map[string]any{"old_password": "calendar-pw-1", "new_password": "calendar-pw-2"}); r.Status != 200 ||
		r.Body["message"] != "密码修改成功,请重新登录" {
		t.Fatalf("change-password: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/auth/login/", "", map[string]any{"username": newName, "password": "calendar-pw-2"}); r.Status != 200 {
		t.Errorf("login with the new password: %d %s", r.Status, r.Raw)
	}

	// Refresh, expiry, forged and absent tokens.
	if r := c.Do(t, "POST", "/api/auth/refresh/", "", map[string]any{"refresh": login.Body["refresh"]}); r.Status != 200 || r.Body["access"] == nil {
		t.Errorf("refresh: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/auth/refresh/", "", map[string]any{"refresh": login.Body["access"]}); r.Status != 401 {
		t.Errorf("access as refresh: %d %s", r.Status, r.Raw)
	}
	clock.Advance(5*time.Minute + time.Second)
	for name, auth := range map[string]string{"expired": bearer, "forged": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.x", "none": ""} {
		t.Run(name+" token is 401", func(t *testing.T) {
			for _, path := range []string{"/api/auth/me/", "/api/user/bindings/", "/api/user/stats/"} {
				if r := c.Do(t, "GET", path, auth, nil); r.Status != 401 {
					t.Errorf("%s token on %s: %d %s", name, path, r.Status, r.Raw)
				}
			}
			if r := c.Do(t, "PATCH", "/api/user/profile/", auth, map[string]any{"username": "hijack"}); r.Status != 401 {
				t.Errorf("%s token on profile: %d %s", name, r.Status, r.Raw)
			}
		})
	}
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"password": "x"}, "username"},
		{map[string]any{"username": "a b", "password": "long-enough-1"}, "username"},
		{map[string]any{"username": "ok" + apptest.RandomHex(3), "password": "long-enough-1", "email": "<script>"}, "email"},
		{map[string]any{"username": "ok" + apptest.RandomHex(3), "password": "1"}, "password"},
	} {
		t.Run(fmt.Sprintf("register refused: %v", tc.body), func(t *testing.T) {
			if r := c.Do(t, "POST", "/api/auth/register/", "", tc.body); r.Status != 400 || r.Body[tc.field] == nil {
				t.Errorf("register %v: %d %s", tc.body, r.Status, r.Raw)
			}
		})
	}
}
