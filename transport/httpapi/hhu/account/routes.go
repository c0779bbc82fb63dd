// Package accounthttp serves 001's account routes in the hhu dialect: the
// sliding API token (POST /auth/get-token/), the current user and their
// address-book entry, and WeChat login and binding. The identity commands
// and queries behind them serve every API.
package accounthttp

import (
	"context"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	contactsq "github.com/fiveapis/backend/queries/contacts"
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
	UpdateAccount(ctx context.Context, cmd identitycmd.UpdateAccount) (identitycmd.Done, error)
	SetPassword(ctx context.Context, cmd identitycmd.SetPassword) (identitycmd.Done, error)
}

// Staff reads 001's departments and who is on the staff
// (contactsq.Queries).
type Staff interface {
	GetDepartment(ctx context.Context, id int64) (contactsq.Department, error)
	IsMember(ctx context.Context, userID int64) (bool, error)
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
	// Accounts, Users and Staff serve /current-user/ (routes mounted when
	// Accounts and Users are set).
	Accounts Accounts
	Users    Users
	Staff    Staff
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
//	GET|PUT    /current-user/            the caller's account; PUT (the mini-program's profile page)
//	                                     {first_name, last_name, email, department: id or null[, password]}
//	GET|PUT|PATCH /current-user/meta/    the caller's address-book entry (in the mini-program's
//	                                     names for a request of the mini-program)
//	POST       /auth/wechat-code2token/  {code} → {"token": key} of the bound account
//	PUT|DELETE /auth/wechat-auth/        bind the caller's WeChat {code}; log out
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user := r.With(hhu.User)
	r.POST("/auth/get-token/", h.getToken)
	if h.d.Users != nil && h.d.Accounts != nil {
		user.GET("/current-user/", h.currentUser)
		user.PUT("/current-user/", h.updateCurrentUser)
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
