package apptest

import (
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
)

// WithTravelNoCaptcha lets 004's logins skip the captcha ("no_captcha"), as
// TravelLogin needs.
func WithTravelNoCaptcha() Option {
	return WithConfig(func(c *app.Config) { c.Travel.AllowNoCaptcha = true })
}

// TravelLogin registers a fresh user and returns a client logged in to 004
// with them (its session cookie). The server must run WithTravelNoCaptcha.
func (s *Server) TravelLogin(t testing.TB) (*Client, User) {
	t.Helper()
	u := s.NewUser(t)
	c := NewClient(s)
	r := c.PostForm(t, "/user/login", map[string]string{"user": u.Username, "password": u.Password, "no_captcha": "true"})
	if r.Status != 200 || r.Body["code"] != float64(200) {
		t.Fatalf("apptest: travel login %s: %d %s", u.Username, r.Status, r.Raw)
	}
	return c, u
}
