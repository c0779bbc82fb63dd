package ralendar_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	oauthstandin "github.com/fiveapis/backend/transport/oauth/standin"
)

func TestRalendarAcWingLoginAndLastLoginMethod(t *testing.T) {
	t.Parallel()
	aw := oauthstandin.NewAcWing("aw-app", "aw-secret")
	annName := "acw_" + apptest.RandomHex(3)
	ann := aw.User(annName)
	code1, code2, code3 := aw.Code(ann), aw.Code(ann), aw.Code(aw.User("<b>x</b>"))
	provider := httptest.NewServer(aw)
	t.Cleanup(provider.Close)
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.OAuth.AcWingAppID, c.OAuth.AcWingAppSecret, c.OAuth.AcWingAPIURL = "aw-app", "aw-secret", provider.URL
	}))
	c := apptest.NewClient(s)
	first := c.Do(t, "POST", "/api/auth/acwing/login/", "", map[string]any{"code": code1, "state": "s"})
	user, _ := first.Body["user"].(map[string]any)
	if first.Status != 200 || first.Body["access"] == nil || user["username"] != annName || user["photo"] != oauthstandin.AcWingPhotoURL(ann) || user["email"] != "" {
		t.Fatalf("first AcWing login: %d %s", first.Status, first.Raw)
	}
	// The AcWing client sends no cookie (no state binding); its sign-up is
	// a UserRegistered_v2 without an address.
	recs, err := s.App.Store().ReadStream(context.Background(), identity.UserStream(int64(user["id"].(float64))), eventlog.ReadStreamOptions{})
	if err != nil || len(recs) == 0 || recs[0].Type != identity.EventUserRegistered || strings.Contains(string(recs[0].Data), "email") {
		t.Errorf("AcWing sign-up: %v %v", recs, err)
	}
	again := c.Do(t, "POST", "/api/auth/acwing/login/", "", map[string]any{"code": code2})
	if again.Status != 200 || again.Body["user"].(map[string]any)["id"] != user["id"] {
		t.Errorf("second login is another account: %d %s", again.Status, again.Raw)
	}
	for name, code := range map[string]any{"replayed code": code1, "forged code": "nope", "sql code": "' OR 1=1 --"} {
		t.Run("refused: "+name, func(t *testing.T) {
			if r := c.Do(t, "POST", "/api/auth/acwing/login/", "", map[string]any{"code": code}); r.Status != 400 || r.Body["error"] == nil {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		})
	}
	if r := c.Do(t, "POST", "/api/auth/acwing/login/", "", map[string]any{}); r.Status != 400 || r.Body["code"] == nil {
		t.Errorf("no code: %d %s", r.Status, r.Raw)
	}
	// A nickname that is no valid username still gives an account.
	if r := c.Do(t, "POST", "/api/auth/acwing/login/", "", map[string]any{"code": code3}); r.Status != 200 || r.Body["user"].(map[string]any)["username"] != "bxb" {
		t.Errorf("html nickname: %d %s", r.Status, r.Raw)
	}

	bearer := "Bearer " + first.Body["access"].(string)
	b := c.Do(t, "GET", "/api/user/bindings/", bearer, nil)
	if b.Body["has_acwing"] != true || b.Body["has_password"] != false || b.Body["acwing_username"] != annName {
		t.Errorf("bindings: %s", b.Raw)
	}
	if r := c.Do(t, "DELETE", "/api/user/unbind/acwing/", bearer, nil); r.Status != 400 || r.Body["error"] != "至少保留一种登录方式" {
		t.Errorf("unbind the only login method: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "POST", "/api/user/change-password/", bearer, map[string]any{"old_password": "x", "new_password": "new-password-1"}); r.Status != 400 || r.Body["error"] == nil {
		t.Errorf("change-password without a password: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "GET", "/api/oauth2/receive_code/?code=abc&state=xyz", "", nil); r.Status != 200 || r.Body["code"] != "abc" || r.Body["state"] != "xyz" {
		t.Errorf("receive_code: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "GET", "/api/oauth2/receive_code/", "", nil); r.Status != 400 || r.Body["code"] == nil {
		t.Errorf("receive_code without code: %d %s", r.Status, r.Raw)
	}
	// This server's own authorization codes are about 330 characters.
	long := strings.Repeat("c", 400)
	if r := c.Do(t, "GET", "/api/oauth2/receive_code/?code="+long+"&state=s", "", nil); r.Status != 200 || r.Body["code"] != long {
		t.Errorf("receive_code of a 400-character code: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "GET", "/api/oauth2/receive_code/?code=c&state="+strings.Repeat("s", 3000), "", nil); r.Status != 400 || r.Body["state"] == nil {
		t.Errorf("receive_code of a 3000-character state: %d %s", r.Status, r.Raw)
	}
}
