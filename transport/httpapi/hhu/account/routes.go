// Package accounthttp serves 001's account routes in the hhu dialect: the
// sliding API token (POST /auth/get-token/), the current user and their
// address-book entry, and WeChat login and binding. The identity commands
// and queries behind them serve every API.
package accounthttp

import (
	"context"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Identity is what get-token needs of the identity commands.
type Identity interface {
	GetAPIToken(ctx context.Context, cmd identitycmd.GetAPIToken) (identitycmd.APITokenGranted, error)
}

// Accounts changes the caller's account (identitycmd.Handlers).
type Accounts interface {
	UpdateContactInfo(ctx context.Context, cmd identitycmd.UpdateContactInfo) (identitycmd.Done, error)
}

// Users reads accounts (identityq.Queries).
type Users interface {
	Me(ctx context.Context, q identityq.Me) (identityq.User, error)
	ContactInfo(ctx context.Context, q identityq.ContactInfoOf) (identityq.ContactInfo, error)
	SocialAccounts(ctx context.Context, q identityq.SocialAccounts) ([]identityq.SocialAccount, error)
}

// WeChatCodes exchanges a mini-program login code for the user's openid
// (transport/oauth). A code WeChat refuses is an error matching
// identity.ErrProviderRejected; any other error means WeChat could not be
// asked.
type WeChatCodes interface {
	Code2Session(ctx context.Context, code string) (openid string, err error)
}

// Social binds provider accounts and logs in with them (identitycmd).
type Social interface {
	SocialAPIToken(ctx context.Context, cmd identitycmd.SocialAPIToken) (identitycmd.APITokenGranted, error)
	BindSocial(ctx context.Context, cmd identitycmd.BindSocial) (identitycmd.Done, error)
	RevokeCurrentAPIToken(ctx context.Context, cmd identitycmd.RevokeCurrentAPIToken) (identitycmd.Done, error)
}

// Deps are the routes' ports.
type Deps struct {
	Identity Identity
	Clock    hhu.Clock
	// Accounts and Users serve /current-user/ (routes mounted when both are
	// set).
	Accounts Accounts
	Users    Users
	// WeChat exchanges mini-program codes and Social binds and logs in with
	// them (routes mounted when both are set).
	WeChat WeChatCodes
	Social Social
}

// Handlers serve the routes.
type Handlers struct {
	d Deps
}

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// Mount implements httpapi.Routes:
//
//	POST       /auth/get-token/          {username, password} → {"token": key}
//	GET        /current-user/            the caller's account
//	GET|PUT|PATCH /current-user/meta/    the caller's address-book entry
//	POST       /auth/wechat-code2token/  {code} → {"token": key} of the bound account
//	PUT|DELETE /auth/wechat-auth/        bind the caller's WeChat {code}; log out
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user := r.With(hhu.User)
	r.POST("/auth/get-token/", h.getToken)
	if h.d.Users != nil && h.d.Accounts != nil {
		user.GET("/current-user/", h.currentUser)
		user.GET("/current-user/meta/", h.currentUserMeta)
		user.PUT("/current-user/meta/", h.updateMeta)
		user.PATCH("/current-user/meta/", h.updateMeta)
	}
	if h.d.WeChat != nil && h.d.Social != nil {
		r.POST("/auth/wechat-code2token/", h.wechatCode2Token)
		user.PUT("/auth/wechat-auth/", h.wechatBind)
		user.DELETE("/auth/wechat-auth/", h.wechatLogout)
	}
}
