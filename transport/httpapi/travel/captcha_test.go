package travel_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// GET /user/captcha answers the seed's PNG unless the request tells it is
// the Travellog app (OkHttp's User-Agent) or asks for JSON.
func TestTravelCaptchaShapes(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for _, c := range []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"a browser's <img> gets the PNG", map[string]string{"Accept": "image/avif,image/webp,image/png,image/*,*/*;q=0.8",
			"User-Agent": "Mozilla/5.0 (Linux; Android 10) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"}, "image/png"},
		{"curl gets the PNG", map[string]string{"Accept": "*/*", "User-Agent": "curl/8.5.0"}, "image/png"},
		{"a request without headers gets the PNG", nil, "image/png"},
		{"OkHttp (the Travellog app) gets JSON", map[string]string{"User-Agent": "okhttp/4.9.3"}, "application/json"},
		{"a request for JSON gets JSON", map[string]string{"Accept": "application/json"}, "application/json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/user/captcha", nil)
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			r := (&travelClient{Client: apptest.NewClient(s), t: t}).send(req)
			if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, c.want) {
				t.Errorf("Content-Type %q, want %s", got, c.want)
			}
			if c.want == "application/json" && r.Body["code"] != 200.0 {
				t.Errorf("JSON captcha: %s", r.Raw)
			}
		})
	}
}
