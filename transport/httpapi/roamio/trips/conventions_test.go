package tripshttp_test

import (
	"net/http"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

func TestRoamioConventions(t *testing.T) {
	t.Parallel()
	ns := "test-" + apptest.RandomHex(6) + ":"
	limits := apptest.WithConfig(func(c *app.Config) {
		c.Identity.RateLimitNamespace = ns
		c.Roamio.AnonymousPerHour, c.Roamio.UserPerHour = 6, 3
	})
	s1, s2 := apptest.Start(t, limits), apptest.Start(t, limits)

	t.Run("CORS for the seed's origins only", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, s1.URL+"/api/v1/trips/", nil)
		req.Header.Set("Origin", "https://roamio.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := s1.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://roamio.com" ||
			resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
		req.Header.Set("Origin", "https://evil.example")
		resp, err = s1.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("another origin allowed: %q", got)
		}
	})

	t.Run("anonymous requests per hour, shared by two processes", func(t *testing.T) {
		// The preflights above are not counted; the limit is 6 per address
		// in any hour, and the start-up logins of both servers (waitReady)
		// already count. Alternating between the two processes, at most 6
		// requests pass in all: each process alone would let 6 pass.
		servers := []*apptest.Server{s1, s2}
		passed, i := 0, 0
		var r apptest.Response
		for ; i < 20; i++ {
			if r = servers[i%2].Do(t, "GET", "/api/v1/trips/", "", nil); r.Status != http.StatusOK {
				break
			}
			passed++
		}
		if m := r.Map(t); r.Status != http.StatusTooManyRequests || m["error_code"] != "RATE_LIMIT_EXCEEDED" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("after %d requests: %d %s", passed, r.Status, r.Body)
		}
		if passed < 2 || passed > 6 {
			t.Errorf("%d requests passed across two processes, want at most 6 (and some)", passed)
		}
		if r := servers[(i+1)%2].Do(t, "GET", "/api/v1/trips/", "", nil); r.Status != http.StatusTooManyRequests {
			t.Errorf("the other process let the caller through: %d", r.Status)
		}
		if r := s2.Do(t, "GET", "/healthz", "", nil); r.Status != http.StatusOK {
			t.Errorf("other APIs are not limited: %d", r.Status)
		}
	})
}
