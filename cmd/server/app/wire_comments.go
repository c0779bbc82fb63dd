package app

import (
	"context"
	"path/filepath"

	commentscmd "github.com/fiveapis/backend/commands/comments"
	"github.com/fiveapis/backend/domain/comments"
	commentsproj "github.com/fiveapis/backend/projections/comments"
	identityproj "github.com/fiveapis/backend/projections/identity"
	commentsq "github.com/fiveapis/backend/queries/comments"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/files"
	"github.com/fiveapis/backend/transport/httpapi"
	commentshttp "github.com/fiveapis/backend/transport/httpapi/roamio/comments"
)

// wireComments builds Roamio's threaded comments: the projector, the routes
// (/api/v1/comments/, /api/v1/trips/{slug}/comments/) and the uploaded
// images and videos under DataDir/comments.
func wireComments(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "comments", Events: comments.Events(), Projectors: commentsproj.All()}
	store, err := files.NewLocal(filepath.Join(p.Config.DataDir, "comments"))
	if err != nil {
		return m, err
	}
	m.Routes = []httpapi.Routes{commentshttp.New(commentshttp.Deps{
		Commands:  commentscmd.New(p.Runner, p.Clock),
		Queries:   commentsq.New(p.Pool),
		Users:     identityq.New(identityproj.NewReader(p.Pool)),
		Trips:     tripsq.New(p.Pool),
		Files:     store,
		Clock:     p.Clock,
		PublicURL: p.Config.HTTP.PublicURL,
	})}
	return m, nil
}
