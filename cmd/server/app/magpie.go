package app

import (
	"context"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// mountMagpie wires 003's account resource; its sessions are 004's (one
// Django-style session store, cookie "sessionid"), and "Authorization:
// ApiKey" is one of the identity verifiers.
func (a *App) mountMagpie(ctx context.Context, cmds *identitycmd.Handlers, queries *identityq.Queries, sessions *travel.Sessions) error {
	mod, err := magpie.New(ctx, magpie.Deps{Identity: cmds, Users: queries, Sessions: sessions, Pool: a.pool, Clock: a.clock,
		Consistency: a.consistency, AppSecret: a.cfg.MagpieAppSecret})
	if err != nil {
		return err
	}
	a.modules = append(a.modules, mod)
	return nil
}
