package travel

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
)

// User is 004's authentication middleware: a request without a logged-in
// session gets 403 "未登录或登录超时".
func User(next httpapi.Handler) httpapi.Handler {
	return httpapi.RequireUser(func(echo.Context, error) error { return access.ErrUnauthenticated })(next)
}

// postOnly refuses another method than POST, before any other check.
func postOnly(echo.Context) error { return Refusal("请使用 POST 请求") }

// Mount implements httpapi.Routes: every route with its middleware, each
// with and without its trailing slash. The routes are exempt from the
// Router's CSRF check: 004's real client is the Travellog Android app,
// which sends the session cookie (OkHttp) and no CSRF token.
func (m *Module) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, "", Render).ExemptFromCSRF()
	user := r.With(User)
	r.GET("/user/captcha/", m.captcha)
	for _, p := range []struct {
		path string
		post httpapi.Handler
		get  httpapi.Handler
	}{
		{"/user/login/", m.login, postOnly},
		{"/user/logout/", m.logout, m.logout},
		{"/user/register/", m.register, postOnly},
		{"/user/reset/", m.reset, postOnly},
	} {
		r.POST(p.path, p.post)
		r.GET(p.path, p.get)
	}
	user.POST("/user/password/", m.password)
	r.GET("/user/password/", postOnly)
	for _, meth := range []string{http.MethodPost, http.MethodGet} {
		// Twice the avatar limit: an avatar over it is refused in the API's
		// own words, a far larger body as "body".
		user.WithBodyLimit(2*identity.MaxAvatarBytes).Add(meth, "/user/avatar/", m.avatar)
		user.Add(meth, "/user/info/", m.info)
	}
	if m.d.Files != nil {
		e.GET("/media/avatars/:key", m.d.Files.Serve)
	}
}
