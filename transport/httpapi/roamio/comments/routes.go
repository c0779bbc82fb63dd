// Package commentshttp serves Roamio's threaded comments (000,
// /api/v1/comments/ and a trip's /trips/{slug}/comments/): JSON or
// multipart posts with images and videos, replies nested as the web client
// renders them, likes, deletion by the author or an administrator. Errors
// are the seed's format beside DRF's (roamio.RenderContent).
package commentshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	commentscmd "github.com/fiveapis/backend/commands/comments"
	commentsq "github.com/fiveapis/backend/queries/comments"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Commands is what the routes need of the commands (commentscmd.Handlers).
type Commands interface {
	Post(ctx context.Context, cmd commentscmd.Post) (commentscmd.Posted, error)
	Change(ctx context.Context, cmd commentscmd.Change) (commentscmd.Result, error)
	Like(ctx context.Context, cmd commentscmd.Like) (commentscmd.Liked, error)
}

// Queries is what the routes read (commentsq.Queries).
type Queries interface {
	List(ctx context.Context, f commentsq.Filter) ([]commentsq.Comment, int, error)
	Threads(ctx context.Context, viewer int64, roots []int64) ([]commentsq.Comment, error)
	Get(ctx context.Context, viewer, id int64) (commentsq.Comment, error)
}

// Users reads the comments' authors (identityq.Queries).
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
}

// Trips resolves a trip's slug for /trips/{slug}/comments/ (tripsq.Queries).
type Trips interface {
	TripBySlug(ctx context.Context, slug string) (tripsq.Trip, error)
}

// Files keeps uploaded images and videos (files.Local).
type Files interface {
	Put(data []byte, ext string) (string, error)
	Serve(c echo.Context) error
}

// Clock tells the time events are stamped with.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Users    Users
	Trips    Trips
	Files    Files
	Clock    Clock
	// PublicURL is the base of media links (empty: the request's host).
	PublicURL string
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// MediaPath is where uploaded comment media are served.
const MediaPath = roamio.Prefix + "/media/comments/"

// Mount implements httpapi.Routes:
//
//	GET|POST /comments/                 ?page_filter|trip, user, parent_id, page, page_size; post (user)
//	GET|PATCH|DELETE /comments/{id}/    read; edit, delete (author, admin)
//	GET      /comments/{id}/replies/    direct replies, nested
//	POST     /comments/{id}/like/       like or take it back (user)
//	POST     /comments/{id}/add_image/  multipart image (author)
//	POST     /comments/{id}/pin/        {is_pinned} (admin)
//	GET      /trips/{slug}/comments/    the trip's comments
//	GET      /media/comments/{key}      uploaded media
func (h *Handlers) Mount(e *echo.Echo) {
	r := roamio.ContentRoutes(e)
	user := r.With(roamio.User)
	uploads := user.WithBodyLimit(MaxVideoBytes + 1<<20)
	r.GET("/comments/", h.list)
	uploads.POST("/comments/", h.post)
	r.GET("/comments/:id/", h.get)
	user.PATCH("/comments/:id/", h.edit)
	user.PUT("/comments/:id/", h.edit)
	user.DELETE("/comments/:id/", h.remove)
	r.GET("/comments/:id/replies/", h.replies)
	user.POST("/comments/:id/like/", h.like)
	uploads.POST("/comments/:id/add_image/", h.addImage)
	r.With(roamio.Admin).POST("/comments/:id/pin/", h.pin)
	r.GET("/trips/:slug/comments/", h.tripComments)
	if h.d.Files != nil {
		e.GET(MediaPath+":key", h.d.Files.Serve)
	}
}
