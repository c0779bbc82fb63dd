package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	identityproj "github.com/fiveapis/backend/projections/identity"
	calendarq "github.com/fiveapis/backend/queries/calendar"
	commentsq "github.com/fiveapis/backend/queries/comments"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/files"
	accounthttp "github.com/fiveapis/backend/transport/httpapi/hhu/account"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
	"github.com/fiveapis/backend/transport/httpapi/operations"
	"github.com/fiveapis/backend/transport/httpapi/ralendar"
	accountshttp "github.com/fiveapis/backend/transport/httpapi/roamio/accounts"
	"github.com/fiveapis/backend/transport/httpapi/travel"
	"github.com/fiveapis/backend/transport/mail"
	"github.com/fiveapis/backend/transport/nonces"
	"github.com/fiveapis/backend/transport/oauth"
	"github.com/fiveapis/backend/transport/personaldata"
	"github.com/fiveapis/backend/transport/ratelimit"
	"github.com/fiveapis/backend/transport/sessions"
)

// MailWorkerName is the name (checkpoint key) of the reaction that mails
// verification codes; the mail worker before it was "mail-verification-codes"
// (engine migration 00002 moved its checkpoint).
const MailWorkerName = "mail_verification_codes"

// wireIdentity builds the identity module: accounts for all five APIs. Its
// projector; the commands with the identity policies as their ports
// (password attempts and verification codes limited in Redis: no limiter
// reaches an HTTP package); the account routes of each API (Roamio auth and
// users, HHU get-token, current user and WeChat, Ralendar, 004's user routes
// and sessions, 003's account resource); the credential verifiers every
// module relies on; the verification-code mail; the bootstrap admin.
func wireIdentity(ctx context.Context, p *Platform) (Module, error) {
	m := Module{Name: "identity", Events: identity.Events(), Upcasters: []Upcaster{{
		From: identity.EventUserRegisteredV1, To: identity.EventUserRegistered,
		Doc: "the address in clear (`email`) became `email_digest` + `email_ref` (sealed in the personal-data vault); v1 events read with the address as `legacy_email`.",
		Up:  identity.UpcastUserRegisteredV1,
	}}, PrivateStreams: identity.PrivateCategories()}
	cmds, err := identityCommands(p)
	if err != nil {
		return m, err
	}
	cmds.SetLimits(identityLimits(p))
	cfg := p.Config
	queries := identityq.New(identityproj.NewReader(p.Pool))

	m.Reactions = p.mailReaction(MailWorkerName, mail.VerificationFilter,
		mail.VerificationCodes(cmds.VerificationKey(), vaultOpener{p.Vault}, p.Clock.Now))

	files, err := files.NewLocal(filepath.Join(cfg.DataDir, "avatars"))
	if err != nil {
		return m, err
	}

	hhuDeps := accounthttp.Deps{Identity: cmds, Clock: p.Clock, Accounts: cmds, Users: queries, Staff: hhuMembership(p)}
	if cfg.OAuth.WeChatAppID != "" {
		wx, err := oauth.NewWeChat(oauth.WeChatConfig{AppID: cfg.OAuth.WeChatAppID, Secret: cfg.OAuth.WeChatAppSecret, BaseURL: cfg.OAuth.WeChatAPIURL})
		if err != nil {
			return m, fmt.Errorf("WECHAT_APP_ID/WECHAT_APP_SECRET: %w", err)
		}
		hhuDeps.WeChat, hhuDeps.Social = wx, cmds
	}
	ralDeps := ralendar.Deps{Identity: cmds, Users: queries, Clock: p.Clock, Stats: calendarq.New(p.Pool),
		SyncAPIKey: cfg.Ralendar.SyncAPIKey, OAuthCodes: nonces.New(p.Pool), OAuthSecret: p.Secret}
	oauthClients, err := cfg.RalendarOAuth.OAuthClients()
	if err != nil {
		return m, err
	}
	ralDeps.OAuthClients = oauthClients
	if cfg.OAuth.AcWingAppID != "" {
		aw, err := oauth.NewAcWing(oauth.AcWingConfig{AppID: cfg.OAuth.AcWingAppID, Secret: cfg.OAuth.AcWingAppSecret, BaseURL: cfg.OAuth.AcWingAPIURL})
		if err != nil {
			return m, fmt.Errorf("ACWING_APP_ID/ACWING_APP_SECRET: %w", err)
		}
		ralDeps.AcWing = aw
	}
	roamioDeps := accountshttp.Deps{Identity: cmds, Users: queries, Clock: p.Clock,
		Profiles: cmds, Directory: queries, Files: files, PublicURL: cfg.HTTP.PublicURL,
		Stats: travelStats{tripsq.New(p.Pool), commentsq.New(p.Pool)}}
	if cfg.OAuth.QQAppID != "" {
		qq, err := oauth.NewQQ(oauth.QQConfig{AppID: cfg.OAuth.QQAppID, AppKey: cfg.OAuth.QQAppKey, BaseURL: cfg.OAuth.QQAPIURL,
			RedirectURI: cfg.OAuth.QQRedirectURI})
		if err != nil {
			return m, fmt.Errorf("QQ_APP_ID/QQ_APP_KEY: %w", err)
		}
		roamioDeps.QQ, roamioDeps.QQStates, roamioDeps.Social = qq, oauth.NewStates(p.Pool), cmds
		ralDeps.QQ = qq
		if r := cfg.OAuth.RalendarQQRedirectURI; r != "" && r != cfg.OAuth.QQRedirectURI {
			// QQ requires the token exchange to send the redirect URI the
			// authorize URL had: Ralendar's logins use its own.
			if ralDeps.QQ, err = oauth.NewQQ(oauth.QQConfig{AppID: cfg.OAuth.QQAppID, AppKey: cfg.OAuth.QQAppKey, BaseURL: cfg.OAuth.QQAPIURL,
				RedirectURI: r}); err != nil {
				return m, fmt.Errorf("RALENDAR_QQ_REDIRECT_URI: %w", err)
			}
		}
	}

	// 004's sessions (in PostgreSQL, shared by every process) also carry
	// 003's logins; the session cookie authenticates requests of every
	// module.
	web := webSessions{sessions.New(p.Pool, 0)}
	travelRoutes := travel.New(travel.Deps{Identity: cmds, Users: queries, Sessions: web, Files: files, Clock: p.Clock,
		AllowNoCaptcha: cfg.Travel.AllowNoCaptcha})
	magpieRoutes := magpie.New(magpie.Deps{Identity: cmds, Users: queries, Sessions: web, Nonces: nonces.New(p.Pool), Clock: p.Clock,
		AppSecret: cfg.Magpie.AppSecret})

	m.Projectors = append(m.Projectors, identityproj.NewProjector().WithPersonalData(identityVault{vaultPD{p.Vault}}))
	// Bearer (000), Token (001) and ApiKey (003) credentials, for every
	// module. After a recorded token use, the Token verifier waits for the
	// identity projection so that the slid expiry is seen.
	m.Verifiers = identityauth.Verifiers(cmds, queries, p.Clock, p.Projections, p.Logger)
	m.RequestVerifiers = append(m.RequestVerifiers, travelRoutes)
	m.Routes = append(m.Routes, accountshttp.New(roamioDeps), accounthttp.New(hhuDeps), ralendar.New(ralDeps), travelRoutes, magpieRoutes,
		operations.Erasure{Users: erasure{cmds}, Clock: p.Clock, Logger: p.Logger})
	// Erasing a user deletes the keys of the user's sealed data.
	m.Reactions = append(m.Reactions, cmds.Reactions(p.Vault)...)
	if cfg.Admin.Password != "" {
		m.Startup = append(m.Startup, bootstrapAdmin(p, cmds))
	}
	return m, nil
}

// identityCommands are the identity command handlers of the platform:
// tokens signed with the secret, personal data sealed in the vault.
func identityCommands(p *Platform) (*identitycmd.Handlers, error) {
	icfg := identitycmd.Config{JWTSecret: p.Secret}
	if p.Options.CheapPasswordHashing {
		icfg.Argon2 = identitycmd.TestArgon2
	}
	cmds, err := identitycmd.New(p.Runner, p.Clock, icfg)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	cmds.SetPersonalData(p.Vault)
	return cmds, nil
}

// identityLimits are the identity policies: password attempts and
// verification codes are limited by the commands, whichever API (or the
// console) calls them (counters in Redis, shared by every process).
func identityLimits(p *Platform) identitycmd.Limits {
	cfg := p.Config
	ns := cfg.Identity.RateLimitNamespace
	return identitycmd.Limits{
		Attempts: ratelimit.NewPasswordAttempts(ratelimit.New(p.Redis, ns+"identity:password", p.Logger),
			ratelimit.PasswordLimits{PerAccount: cfg.Identity.LoginLimitPerAccount, PerIP: cfg.Identity.LoginLimitPerIP}),
		Codes: ratelimit.NewCodeSends(ratelimit.New(p.Redis, ns+"identity:codes", p.Logger)),
	}
}

// EraseUser erases a user's personal data as an operator's command line
// does (logctl erase): PersonalDataErased appended by the system, and the
// keys of the user's sealed data deleted at once (the reaction, which a
// running server also does, finds nothing left to delete). It returns the
// position the read models blank the user at.
func (a *App) EraseUser(ctx context.Context, userID int64) (eventlog.Position, error) {
	cmds, err := identityCommands(a.p)
	if err != nil {
		return eventlog.Position{}, err
	}
	res, err := cmds.EraseUser(ctx, identitycmd.EraseUser{Actor: access.System, UserID: userID,
		Meta: eventlog.Metadata{CorrelationID: "logctl-erase", OccurredAt: a.p.Clock.Now().UTC()}})
	if err != nil {
		return eventlog.Position{}, err
	}
	return res.Position, cmds.EraseKeys(ctx, a.p.Vault, userID)
}

// bootstrapAdmin creates the ADMIN_USERNAME account (or grants it the admin
// role) and waits until the read model has it.
func bootstrapAdmin(p *Platform, cmds *identitycmd.Handlers) func(context.Context) (eventlog.Position, error) {
	return func(ctx context.Context) (eventlog.Position, error) {
		c := p.Config.Admin
		meta := eventlog.Metadata{CorrelationID: "bootstrap-admin", OccurredAt: p.Clock.Now().UTC()}
		res, err := cmds.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Meta: meta, Username: c.Username, Password: c.Password})
		if err != nil {
			return eventlog.Position{}, fmt.Errorf("ADMIN_USERNAME/ADMIN_PASSWORD: %w", err)
		}
		switch {
		case res.Created:
			p.Logger.Info("bootstrap admin created", "username", c.Username, "user_id", res.UserID)
		case res.Granted:
			p.Logger.Info("bootstrap admin role granted", "username", c.Username, "user_id", res.UserID)
		}
		return res.Position, nil
	}
}

// erasure adapts the identity commands to the operators' erasure route.
type erasure struct{ cmds *identitycmd.Handlers }

func (e erasure) EraseUser(ctx context.Context, actor access.Actor, userID int64, meta eventlog.Metadata) (eventlog.Position, error) {
	res, err := e.cmds.EraseUser(ctx, identitycmd.EraseUser{Actor: actor, UserID: userID, Meta: meta})
	return res.Position, err
}

// webSessions adapts the session store to the travel and Magpie routes'
// ports.
type webSessions struct{ *sessions.Store }

func (w webSessions) New(ctx context.Context, now time.Time) (travel.Session, error) {
	s, err := w.Store.New(ctx, now)
	return travel.Session(s), err
}

func (w webSessions) Get(ctx context.Context, id string, now time.Time) (travel.Session, bool, error) {
	s, ok, err := w.Store.Get(ctx, id, now)
	return travel.Session(s), ok, err
}

// Login implements magpie.Sessions: a new session, logged in.
func (w webSessions) Login(ctx context.Context, userID int64, now time.Time) (string, time.Time, error) {
	s, err := w.Store.New(ctx, now)
	if err != nil {
		return "", time.Time{}, err
	}
	return s.ID, s.ExpiresAt, w.Store.SetUser(ctx, s.ID, userID)
}

// vaultOpener adapts the personal-data vault to the mail renderer's port:
// an erased recipient is mail.ErrErased (nothing is sent).
type vaultOpener struct{ v *personaldata.Vault }

func (o vaultOpener) Open(ctx context.Context, subject, sealed string) (string, error) {
	s, err := o.v.Open(ctx, subject, sealed)
	if errors.Is(err, personaldata.ErrErased) {
		return "", fmt.Errorf("%w: %w", mail.ErrErased, err)
	}
	return s, err
}

// vaultPD adapts the vault to the projections' personal-data port.
type vaultPD struct{ v *personaldata.Vault }

func (p vaultPD) Open(ctx context.Context, subject, sealed string) (string, error) {
	return p.v.Open(ctx, subject, sealed)
}

// Erased reports an erased subject, and a value that can never be opened
// (a malformed or forged reference): the read models show both as empty
// rather than stop at the event.
func (vaultPD) Erased(err error) bool {
	return errors.Is(err, personaldata.ErrErased) || errors.Is(err, personaldata.ErrUnreadable)
}

// identityVault is the identity projection's PersonalData port: it also
// asks whether a user was erased, for the clear addresses of old
// UserRegistered_v1 events.
type identityVault struct{ vaultPD }

func (p identityVault) WasErased(ctx context.Context, subject string) (bool, error) {
	return p.v.WasErased(ctx, subject)
}

// contactDirectory adapts the identity read model to the mail renderers' and
// the HHU routes' ports: a user's name and current e-mail address.
type contactDirectory struct{ q *identityq.Queries }

func newContactDirectory(p *Platform) contactDirectory {
	return contactDirectory{identityq.New(identityproj.NewReader(p.Pool))}
}

func (d contactDirectory) Contact(ctx context.Context, userID int64) (mail.Contact, error) {
	u, err := d.q.UserByID(ctx, identityq.UserByID{ID: userID})
	if errors.Is(err, identityq.ErrNotFound) {
		return mail.Contact{}, nil
	}
	if err != nil {
		return mail.Contact{}, err
	}
	return mail.Contact{Username: u.Username, Email: u.Email}, nil
}

func (d contactDirectory) EmailOf(ctx context.Context, userID int64) (string, error) {
	c, err := d.Contact(ctx, userID)
	return c.Email, err
}
