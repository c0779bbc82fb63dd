package app

import (
	"context"
	"fmt"
	"path/filepath"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/filestore"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	"github.com/fiveapis/backend/transport/httpapi/providers"
	"github.com/fiveapis/backend/transport/httpapi/ralendar"
	"github.com/fiveapis/backend/transport/httpapi/ratelimit"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
	"github.com/fiveapis/backend/transport/personaldata"
)

// identityEvents lists the identity module's events for the codec.
func identityEvents() []eventlog.Event { return identity.Events() }

// identityVault is the identity projection's PersonalData port: it also
// asks whether a user was erased, for the clear addresses of old
// UserRegistered_v1 events.
type identityVault struct{ vaultPD }

func (p identityVault) WasErased(ctx context.Context, subject string) (bool, error) {
	return p.v.WasErased(ctx, subject)
}

// mountIdentity wires the identity module: its projectors, its HTTP routes
// (Roamio auth, HHU get-token) and the credential verifiers every module uses.
// It appends to a.projectors, a.modules, a.verifiers and a.startup (the
// bootstrap admin).
func (a *App) mountIdentity(ctx context.Context) error {
	icfg := identitycmd.Config{JWTSecret: a.secret}
	if a.opts.CheapPasswordHashing {
		icfg.Argon2 = identitycmd.TestArgon2
	}
	cmds, err := identitycmd.New(a.runner, a.clock, icfg)
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	queries := identityq.New(identityproj.NewReader(a.pool))

	// Personal data (recipients of codes) is sealed in the erasable vault.
	vault, err := personaldata.Open(ctx, a.pool)
	if err != nil {
		return err
	}
	cmds.SetPersonalData(vault)
	if err := a.mountMail(ctx, cmds.VerificationKey(), vault); err != nil {
		return err
	}
	rc, err := a.redisClient()
	if err != nil {
		return err
	}
	guard := identityauth.NewPasswordGuard(ratelimit.New(rc, a.cfg.RateLimitNamespace+"identity:password", a.logger),
		identityauth.GuardConfig{PerAccount: a.cfg.LoginLimitPerAccount, PerIP: a.cfg.LoginLimitPerIP})
	files, err := filestore.NewLocal(filepath.Join(a.cfg.DataDir, "avatars"))
	if err != nil {
		return err
	}
	codeLimiter := ratelimit.New(rc, a.cfg.RateLimitNamespace+"identity:codes", a.logger)

	hhuDeps := hhu.Deps{Identity: cmds, Clock: a.clock, Consistency: a.consistency, Accounts: cmds, Users: queries}
	if a.cfg.WeChatAppID != "" {
		wx, err := providers.NewWeChat(providers.WeChatConfig{AppID: a.cfg.WeChatAppID, Secret: a.cfg.WeChatAppSecret, BaseURL: a.cfg.WeChatAPIURL})
		if err != nil {
			return fmt.Errorf("WECHAT_APP_ID/WECHAT_APP_SECRET: %w", err)
		}
		hhuDeps.WeChat, hhuDeps.Social = wx, cmds
	}

	ralDeps := ralendar.Deps{Identity: cmds, Users: queries, Clock: a.clock, Consistency: a.consistency, Guard: guard}
	if a.cfg.AcWingAppID != "" {
		aw, err := providers.NewAcWing(providers.AcWingConfig{AppID: a.cfg.AcWingAppID, Secret: a.cfg.AcWingAppSecret, BaseURL: a.cfg.AcWingAPIURL})
		if err != nil {
			return fmt.Errorf("ACWING_APP_ID/ACWING_APP_SECRET: %w", err)
		}
		ralDeps.AcWing, ralDeps.Social = aw, cmds
	}
	roamioDeps := roamio.Deps{Identity: cmds, Users: queries, Clock: a.clock, Consistency: a.consistency,
		Guard: guard, CodeLimiter: codeLimiter, Profiles: cmds, Directory: queries, Files: files, PublicURL: a.cfg.PublicURL}
	if a.cfg.QQAppID != "" {
		qq, err := providers.NewQQ(providers.QQConfig{AppID: a.cfg.QQAppID, AppKey: a.cfg.QQAppKey, BaseURL: a.cfg.QQAPIURL,
			RedirectURI: a.cfg.QQRedirectURI})
		if err != nil {
			return fmt.Errorf("QQ_APP_ID/QQ_APP_KEY: %w", err)
		}
		states, err := providers.NewStates(ctx, a.pool)
		if err != nil {
			return fmt.Errorf("oauth states: %w", err)
		}
		roamioDeps.QQ, roamioDeps.QQStates, roamioDeps.Social = qq, states, cmds
		ralDeps.QQ, ralDeps.Social = qq, cmds
	}

	a.projectors = append(a.projectors, identityproj.NewProjector().WithPersonalData(identityVault{vaultPD{vault}}))
	// Bearer (000) and Token (001) credentials, for every module. After a
	// recorded token use, the Token verifier waits for the identity
	// projection (a is the PositionWaiter) so that the slid expiry is seen.
	a.verifiers = append(a.verifiers, identityauth.Verifiers(cmds, queries, a.clock, a, a.logger)...)
	a.modules = append(a.modules,
		roamio.New(roamioDeps),
		hhu.New(hhuDeps),
		ralendar.New(ralDeps),
	)

	if err := a.mountTravel(ctx, cmds, queries, files, guard); err != nil {
		return err
	}

	if a.cfg.AdminPassword != "" {
		a.startup = append(a.startup, func(ctx context.Context) error {
			meta := eventlog.Metadata{CorrelationID: "bootstrap-admin", OccurredAt: a.clock.Now().UTC()}
			res, err := cmds.BootstrapAdmin(ctx, identitycmd.BootstrapAdmin{Username: a.cfg.AdminUsername, Password: a.cfg.AdminPassword}, meta)
			if err != nil {
				return fmt.Errorf("ADMIN_USERNAME/ADMIN_PASSWORD: %w", err)
			}
			switch {
			case res.Created:
				a.logger.Info("bootstrap admin created", "username", a.cfg.AdminUsername, "user_id", res.UserID)
			case res.Granted:
				a.logger.Info("bootstrap admin role granted", "username", a.cfg.AdminUsername, "user_id", res.UserID)
			}
			if !res.Position.IsStart() {
				// Ready means the admin is in the read model too.
				if err := a.WaitFor(ctx, res.Position, identityq.ProjectionName); err != nil {
					a.logger.Warn("bootstrap admin: identity projection lags", "err", err)
				}
			}
			return nil
		})
	}
	return nil
}
