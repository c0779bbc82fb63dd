package ralendar

import (
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Prefix is Ralendar's path prefix.
const Prefix = "/api"

// Mount implements httpapi.Routes: every route with its middleware, each
// with and without its trailing slash.
func (m *Module) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, Prefix, Render)
	user := r.With(identityauth.User)
	r.POST("/auth/register/", m.register)
	r.POST("/auth/login/", m.login)
	r.POST("/auth/refresh/", m.refresh)
	user.GET("/auth/me/", m.me)
	user.GET("/user/stats/", m.stats)
	user.GET("/user/bindings/", m.bindings)
	user.PATCH("/user/profile/", m.profile)
	user.POST("/user/change-password/", m.changePassword)
	user.DELETE("/user/unbind/acwing/", m.unbind(identity.ProviderAcWing, "AcWing 账号已解绑"))
	user.DELETE("/user/unbind/qq/", m.unbind(identity.ProviderQQ, "QQ 账号已解绑"))
	r.GET("/oauth2/receive_code/", m.receiveCode)
	if m.d.SyncAPIKey != "" {
		r.POST("/sync/user-info/", m.syncUserInfo)
	}
	if len(m.d.OAuthClients) > 0 {
		user.GET("/oauth/authorize/", m.authorizeInfo)
		user.POST("/oauth/authorize/", m.authorize)
		r.POST("/oauth/token/", m.token)
		user.GET("/oauth/userinfo/", m.userinfo)
	}
	if m.d.AcWing != nil {
		r.POST("/auth/acwing/login/", m.providerLogin(identity.ProviderAcWing, m.d.AcWing))
	}
	if m.d.QQ != nil {
		r.POST("/auth/qq/login/", m.providerLogin(identity.ProviderQQ, m.d.QQ))
		// The Android client's names: the authorize URL, then the code.
		r.GET("/auth/qq/login/", m.qqLoginURL)
		r.POST("/auth/qq/callback/", m.providerLogin(identity.ProviderQQ, m.d.QQ))
	}
}
