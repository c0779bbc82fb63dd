package accounts

import (
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Mount implements httpapi.Routes: every account route with its middleware.
func (m *Module) Mount(e *echo.Echo) {
	r := roamio.Routes(e)
	user := r.With(roamio.User)
	r.POST("/auth/register/", m.register)
	r.POST("/auth/login/", m.login)
	r.POST("/token/", m.login)
	r.POST("/token/refresh/", m.refresh)
	r.POST("/auth/refresh/", m.refresh)
	user.POST("/auth/logout/", m.logout)
	user.GET("/auth/me/", m.me)
	r.POST("/auth/send_verification_code/", m.sendVerificationCode)
	r.POST("/auth/verify_code/", m.verifyCode)
	r.POST("/auth/reset_password/", m.resetPassword)
	if m.d.Directory != nil && m.d.Profiles != nil {
		r.GET("/users/", m.listUsers)
		r.GET("/users/:id/", m.userDetail)
		user.PATCH("/users/:id/profile/", m.updateProfile)
		// Twice the avatar limit: an avatar over it is refused in the API's
		// own words, a far larger body as "body".
		user.WithBodyLimit(2*identity.MaxAvatarBytes).POST("/users/:id/avatar/", m.uploadAvatar)
		if m.d.Files != nil {
			e.GET(roamio.Prefix+"/media/avatars/:key", m.d.Files.Serve)
		}
	}
	if m.d.QQ != nil && m.d.QQStates != nil && m.d.Social != nil {
		r.GET("/auth/qq_login_url/", m.qqLoginURL)
		r.POST("/auth/qq_callback/", m.qqCallback)
		user.POST("/auth/qq_bind_existing/", m.qqBind)
		user.DELETE("/auth/qq_unbind/", m.qqUnbind)
	}
}
