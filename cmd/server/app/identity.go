package app

import (
	"context"
	"fmt"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	identityproj "github.com/fiveapis/backend/projections/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// identityEvents lists the identity module's events for the codec.
func identityEvents() []eventlog.Event { return identity.Events() }

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

	a.projectors = append(a.projectors, identityproj.NewProjector())
	// Bearer (000) and Token (001) credentials, for every module. After a
	// recorded token use, the Token verifier waits for the identity
	// projection (a is the PositionWaiter) so that the slid expiry is seen.
	a.verifiers = append(a.verifiers, identityauth.Verifiers(cmds, queries, a.clock, a, a.logger)...)
	a.modules = append(a.modules,
		roamio.New(roamio.Deps{Identity: cmds, Users: queries, Clock: a.clock, Consistency: a.consistency}),
		hhu.New(hhu.Deps{Identity: cmds, Clock: a.clock, Consistency: a.consistency}),
	)

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
