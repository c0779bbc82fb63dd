package app

import (
	"context"

	forumcmd "github.com/fiveapis/backend/commands/forum"
	"github.com/fiveapis/backend/domain/forum"
	forumproj "github.com/fiveapis/backend/projections/forum"
	forumq "github.com/fiveapis/backend/queries/forum"
	"github.com/fiveapis/backend/transport/httpapi"
	forumhttp "github.com/fiveapis/backend/transport/httpapi/travel/forum"
)

// wireForum builds 004's community: the projector and the routes (/forum/).
// Comments and likes of albums and long images are the same commands,
// mounted by the album routes.
func wireForum(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "forum", Events: forum.Events(), Projectors: forumproj.All()}
	m.Routes = []httpapi.Routes{forumhttp.New(forumhttp.Deps{
		Commands: forumcmd.New(p.Runner, p.Clock, nil),
		Queries:  forumq.New(p.Pool),
		Clock:    p.Clock,
	})}
	return m, nil
}
