package app

import (
	"context"

	calendarcmd "github.com/fiveapis/backend/commands/calendar"
	ralendarlinkcmd "github.com/fiveapis/backend/commands/ralendarlink"
	"github.com/fiveapis/backend/domain/ralendarlink"
	ralendarlinkproj "github.com/fiveapis/backend/projections/ralendarlink"
	ralendarlinkq "github.com/fiveapis/backend/queries/ralendarlink"
	ralendarlinkhttp "github.com/fiveapis/backend/transport/httpapi/roamio/ralendarlink"
	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/ralendarremote"
)

// ralendarLinks builds Roamio's bound Ralendar accounts of another
// deployment (RALENDAR_OAUTH_*): the routes /ralendar-oauth/… and
// /ralendar/…, and the trips' sync target (Calendar: the default bound
// account over HTTP, else this deployment's calendar). It is part of the
// trips module: the trips are what syncs through it. The other Ralendar is
// one client (one circuit breaker) per process.
func ralendarLinks(p *Platform) (*ralendarlinkhttp.Handlers, ralendarlinkhttp.Calendar, error) {
	cfg := p.Config.RalendarOAuth
	deps := ralendarlinkhttp.Deps{Commands: ralendarlinkcmd.New(p.Runner, p.Clock, ralendarVault{vaultPD{p.Vault}}), Queries: ralendarlinkq.New(p.Pool),
		Clock: p.Clock, Secret: p.Secret}
	if cfg.BaseURL != "" {
		deps.Remote = ralendarRemote{ralendarremote.New(ralendarremote.Config{BaseURL: cfg.BaseURL, AuthorizeURL: cfg.AuthorizeURL,
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURI: cfg.RedirectURI, Timeout: cfg.Timeout,
			BreakerFailures: cfg.BreakerFailures, BreakerCooldown: cfg.BreakerCooldown, Now: p.Clock.Now})}
	}
	h := ralendarlinkhttp.New(deps)
	return h, ralendarlinkhttp.Calendar{Local: calendarcmd.New(p.Runner, p.Clock), Links: h, Required: cfg.Required}, nil
}

// addRalendarLinks adds the bound accounts' events, projector and routes
// to the trips module.
func addRalendarLinks(m *Module, h *ralendarlinkhttp.Handlers) {
	m.Events = append(m.Events, ralendarlink.Events()...)
	m.Projectors = append(m.Projectors, ralendarlinkproj.All()...)
	m.Routes = append(m.Routes, h)
}

// ralendarVault seals a user's binding (tokens, remote profile) in the
// personal-data vault under the user's subject: erasing the user shreds
// them.
type ralendarVault struct{ vaultPD }

func (r ralendarVault) Seal(ctx context.Context, userID int64, plain string) (string, error) {
	return r.v.Seal(ctx, personaldata.UserSubject(userID), plain)
}

func (r ralendarVault) Open(ctx context.Context, userID int64, sealed string) (string, error) {
	return r.v.Open(ctx, personaldata.UserSubject(userID), sealed)
}

// ralendarRemote adapts the client to the routes' port.
type ralendarRemote struct{ c *ralendarremote.Client }

func (r ralendarRemote) Remote() string                   { return r.c.Remote() }
func (r ralendarRemote) AuthorizeURL(state string) string { return r.c.AuthorizeURL(state) }

func tokensOf(t ralendarremote.TokenSet) ralendarlinkhttp.RemoteTokens {
	return ralendarlinkhttp.RemoteTokens{Access: t.Access, Refresh: t.Refresh, AccessExpires: t.AccessExpires, Profile: t.Profile}
}

func (r ralendarRemote) Exchange(ctx context.Context, code string) (ralendarlinkhttp.RemoteTokens, error) {
	t, err := r.c.Exchange(ctx, code)
	return tokensOf(t), err
}

func (r ralendarRemote) Refresh(ctx context.Context, refresh string) (ralendarlinkhttp.RemoteTokens, error) {
	t, err := r.c.Refresh(ctx, refresh)
	return tokensOf(t), err
}

func (r ralendarRemote) Do(ctx context.Context, access, method, path string, body any) (int, []byte, error) {
	return r.c.Do(ctx, access, method, path, body)
}
