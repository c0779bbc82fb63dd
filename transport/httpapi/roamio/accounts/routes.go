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
		// Avatars read twice the avatar limit: one over it is refused in the
		// API's own words, a far larger body as "body".
		avatars := user.WithBodyLimit(2 * identity.MaxAvatarBytes)
		avatars.POST("/users/:id/avatar/", m.uploadAvatar)
		// The web client's names (docs/roamio.md, "Real clients").
		r.GET("/users/:id/profile/", m.userProfile)
		r.GET("/users/:id/stats/", m.userStats)
		user.PATCH("/users/update_profile/", m.updateOwnProfile)
		user.PUT("/users/update_profile/", m.updateOwnProfile)
		user.PATCH("/users/:id/", m.updateUser)
		user.PUT("/users/:id/", m.updateUser)
		avatars.POST("/users/:id/upload_avatar/", m.uploadAvatar)
		user.POST("/users/bind_email/", m.bindEmail)
		user.POST("/users/change-email/", m.changeEmail)
		if m.d.Files != nil {
			e.GET(roamio.Prefix+"/media/avatars/:key", m.d.Files.Serve)
		}
	}
	// The QQ routes are served whether QQ is configured or not (its OpenAPI
	// operations are the API's): without QQ_APP_ID they answer 404 in Roamio's words (not a
	// 5xx: a server without QQ has no QQ login).
	qq := r.With(m.qqConfigured)
	qq.GET("/auth/qq_login_url/", m.qqLoginURL)
	qq.POST("/auth/qq_callback/", m.qqCallback)
	qqUser := qq.With(roamio.User)
	qqUser.POST("/auth/qq_bind_existing/", m.qqBind)
	qqUser.DELETE("/auth/qq_unbind/", m.qqUnbind)
}
