package app

import (
	"context"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/filestore"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// mountTravel wires 004's user routes: sessions in PostgreSQL (shared by
// every process), the avatar store, the password guard. Its session cookie
// authenticates requests of every module (a.requestVerifiers).
func (a *App) mountTravel(ctx context.Context, cmds *identitycmd.Handlers, queries *identityq.Queries, files *filestore.Local, guard *identityauth.PasswordGuard) error {
	sessions, err := travel.NewSessions(ctx, a.pool, 0)
	if err != nil {
		return err
	}
	mod := travel.New(travel.Deps{Identity: cmds, Users: queries, Sessions: sessions, Files: files, Clock: a.clock,
		Consistency: a.consistency, Guard: guard, AllowNoCaptcha: a.cfg.TravelAllowNoCaptcha})
	a.modules = append(a.modules, mod)
	a.requestVerifiers = append(a.requestVerifiers, mod)
	return a.mountMagpie(ctx, cmds, queries, sessions)
}
