package accounthttp_test

import (
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// TestHHUGetTokenAttemptsAreLimited: POST /auth/get-token/ checks a
// password, so the identity command applies the per-account attempt limit
// there as on every login (it had none): past the limit it is DRF's 429
// "Request was throttled. Expected available in N seconds." with
// Retry-After, even with the right password; another account is not
// affected.
func TestHHUGetTokenAttemptsAreLimited(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Identity.LoginLimitPerAccount = 3
		c.Identity.LoginLimitPerIP = 1000
	}))
	u := s.NewUser(t)
	c := apptest.NewClient(s)
	for i := range 3 {
		if r := c.Do(t, "POST", "/auth/get-token/", "", map[string]any{"username": u.Username, "password": "wrong-password"}); r.Status != 400 {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	t.Run("past the per-account limit even the right password is refused in DRF's words", func(t *testing.T) {
		r := c.Do(t, "POST", "/auth/get-token/", "", map[string]any{"username": u.Username, "password": u.Password})
		detail, _ := r.Body["detail"].(string)
		if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(detail, "Request was throttled. Expected available in ") {
			t.Fatalf("fourth attempt: %d %v %s", r.Status, r.Header, r.Raw)
		}
	})
	t.Run("the limit is the account's, whichever API logs in", func(t *testing.T) {
		if r := c.Do(t, "POST", "/api/v1/auth/login/", "", map[string]any{"username": u.Username, "password": u.Password}); r.Status != 429 {
			t.Fatalf("Roamio login of the same account: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("another account is not affected", func(t *testing.T) {
		v := s.NewUser(t)
		if r := c.Do(t, "POST", "/auth/get-token/", "", map[string]any{"username": v.Username, "password": v.Password}); r.Status != 200 {
			t.Fatalf("other account: %d %s", r.Status, r.Raw)
		}
	})
}
