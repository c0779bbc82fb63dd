// Package ralendarlinkhttp serves Roamio's bound Ralendar accounts of
// another deployment (000, the web client's ralendarOAuth.js and
// ralendar.js): the OAuth 2.0 binding (/ralendar-oauth/…), the calls the
// client makes to the bound account's calendar (/ralendar/trips/events/…,
// /ralendar/events/{id}/), and Calendar, the trips' sync target that sends
// a trip to the default bound account when there is one.
//
// Errors answer what the client reads (code, error, message) beside the
// seed's format (error, error_code, details): NO_RALENDAR_ACCOUNT (400),
// TOKEN_EXPIRED (403: a 401 would make the client refresh its own Roamio
// token and log out), RALENDAR_UNAVAILABLE (503 with Retry-After),
// INVALID_STATE and TOKEN_EXCHANGE_FAILED (400).
package ralendarlinkhttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	ralendarlinkcmd "github.com/fiveapis/backend/commands/ralendarlink"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	ralendarlinkq "github.com/fiveapis/backend/queries/ralendarlink"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Commands is what the routes need of the commands (ralendarlinkcmd.Handlers).
type Commands interface {
	Bind(ctx context.Context, cmd ralendarlinkcmd.Bind) (ralendarlinkcmd.Bound, error)
	SetDefault(ctx context.Context, cmd ralendarlinkcmd.AccountCmd) (eventlog.Position, error)
	Unbind(ctx context.Context, cmd ralendarlinkcmd.AccountCmd) (eventlog.Position, error)
	Renew(ctx context.Context, cmd ralendarlinkcmd.AccountCmd, t ralendarlinkcmd.Tokens) error
	Reject(ctx context.Context, cmd ralendarlinkcmd.AccountCmd) error
	Synced(ctx context.Context, cmd ralendarlinkcmd.AccountCmd) (eventlog.Position, error)
	DefaultAccount(ctx context.Context, a access.Actor) (ralendarlinkcmd.Open, bool, error)
	// OpenProfileField opens a vault-sealed profile field of the user's
	// binding ("" once the user is erased).
	OpenProfileField(ctx context.Context, userID int64, sealed string) (string, error)
}

// Queries reads the accounts (ralendarlinkq.Queries).
type Queries interface {
	Accounts(ctx context.Context, userID int64) ([]ralendarlinkq.Account, error)
}

// Remote is the other Ralendar (transport/ralendarremote.Client).
type Remote interface {
	// Remote names it (its API root).
	Remote() string
	AuthorizeURL(state string) string
	Exchange(ctx context.Context, code string) (RemoteTokens, error)
	Refresh(ctx context.Context, refresh string) (RemoteTokens, error)
	// Do calls its calendar API with an access token (path under /api).
	Do(ctx context.Context, access, method, path string, body any) (int, []byte, error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	// Remote is nil when no other Ralendar is configured: the binding
	// routes answer 404 then, and the accounts list is empty.
	Remote Remote
	Clock  Clock
	// Secret signs the OAuth state.
	Secret []byte
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// Mount implements httpapi.Routes (every route: a logged-in user):
//
//	GET    /ralendar-oauth/authorize-url/   {authorize_url, state}
//	POST   /ralendar-oauth/callback/        {code, state} → {success, account}
//	GET    /ralendar-oauth/accounts/        {accounts: [...]}
//	POST   /ralendar-oauth/{id}/set-default/
//	DELETE /ralendar-oauth/{id}/unbind/
//	GET    /ralendar/trips/events/          the default account's events
//	POST   /ralendar/trips/events/create/   an event in it
//	PUT|PATCH|DELETE /ralendar/events/{id}/ one of its events
func (h *Handlers) Mount(e *echo.Echo) {
	user := roamio.ContentRoutes(e).With(roamio.User)
	user.GET("/ralendar-oauth/authorize-url/", roamio.RalendarErrors(h.authorizeURL))
	user.POST("/ralendar-oauth/callback/", roamio.RalendarErrors(h.callback))
	user.GET("/ralendar-oauth/accounts/", roamio.RalendarErrors(h.accounts))
	user.POST("/ralendar-oauth/:id/set-default/", roamio.RalendarErrors(h.setDefault))
	user.DELETE("/ralendar-oauth/:id/unbind/", roamio.RalendarErrors(h.unbind))
	user.GET("/ralendar/trips/events/", roamio.RalendarErrors(h.listEvents))
	user.POST("/ralendar/trips/events/create/", roamio.RalendarErrors(h.createEvent))
	user.PUT("/ralendar/events/:id/", roamio.RalendarErrors(h.updateEvent))
	user.PATCH("/ralendar/events/:id/", roamio.RalendarErrors(h.updateEvent))
	user.DELETE("/ralendar/events/:id/", roamio.RalendarErrors(h.deleteEvent))
}
