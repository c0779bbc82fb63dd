// Package tripshttp serves Roamio's trip plans (000, /api/v1/): the plans
// their authors edit (/trip-plans/), the public trips everyone reads, likes,
// checks in and views (/trips/), and the itinerary items of a plan
// (/trip-plans/{id}/events/). Errors are the seed's format beside DRF's
// (roamio.RenderContent).
package tripshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	tripscmd "github.com/fiveapis/backend/commands/trips"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Commands is what the routes need of the commands (tripscmd.Handlers).
type Commands interface {
	CreatePlan(ctx context.Context, cmd tripscmd.CreatePlan) (tripscmd.Created, error)
	ClonePlan(ctx context.Context, cmd tripscmd.ClonePlan) (tripscmd.Created, error)
	ChangePlan(ctx context.Context, cmd tripscmd.ChangePlan) (tripscmd.Changed, error)
	DeletePlan(ctx context.Context, cmd tripscmd.DeletePlan) (tripscmd.Result, error)
	React(ctx context.Context, cmd tripscmd.React) (tripscmd.Reacted, error)
	View(ctx context.Context, cmd tripscmd.View) (tripscmd.Reacted, error)
	AddItems(ctx context.Context, cmd tripscmd.AddItems) (tripscmd.Added, error)
	ChangeItem(ctx context.Context, cmd tripscmd.ChangeItem) (tripscmd.ItemResult, error)
	RemoveItem(ctx context.Context, cmd tripscmd.RemoveItem) (tripscmd.Result, error)
	ToggleItem(ctx context.Context, cmd tripscmd.ToggleItem) (tripscmd.ItemResult, error)
}

// Queries is what the routes read (tripsq.Queries).
type Queries interface {
	TripBySlug(ctx context.Context, slug string) (tripsq.Trip, error)
	TripByID(ctx context.Context, id int64) (tripsq.Trip, error)
	Reactions(ctx context.Context, tripIDs []int64, caller string) (map[int64]map[string]bool, error)
	ListPublicTrips(ctx context.Context, f tripsq.ListPublic) ([]tripsq.Trip, int, error)
	MyTrips(ctx context.Context, userID int64, offset, limit int) ([]tripsq.Trip, int, error)
	Items(ctx context.Context, tripID int64) ([]tripsq.Item, error)
	ItemByID(ctx context.Context, tripID, id int64) (tripsq.Item, error)
}

// Users reads the authors (identityq.Queries).
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
}

// CommentCounts counts the comments of trips by slug (nil: none, until the
// comments module answers it).
type CommentCounts interface {
	CommentCounts(ctx context.Context, pages []string) (map[string]int, error)
}

// Clock tells the time events are stamped with.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Users    Users
	Comments CommentCounts
	// Calendar is Ralendar's calendar the trips sync into.
	Calendar Calendar
	Clock    Clock
	// Secret keys the digest that identifies anonymous callers.
	Secret []byte
	// PublicURL is the base of avatar links (empty: the request's host).
	PublicURL string
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// Mount implements httpapi.Routes:
//
//	GET|POST  /trip-plans/                  the caller's and public plans; create (user)
//	GET       /trip-plans/my_trips/         the caller's plans (user)
//	GET|PATCH|PUT|DELETE /trip-plans/{slug}/  read (visible), edit and delete (author, admin)
//	POST      /trip-plans/{slug}/clone/     a private draft copy (user)
//	GET       /trip-plans/{slug}/stats/     views, likes, check-ins, comments
//	POST      /trip-plans/{slug}/like/, /view/
//	GET       /trips/                       public and published, newest first
//	GET       /trips/{slug}/                detail (counts a view)
//	POST      /trips/{slug}/like/, /checkin/ (anyone, once per caller)
//	GET       /trips/{slug}/stats/
//	GET|POST  /trip-plans/{id}/events/      itinerary items; add (author)
//	POST      /trip-plans/{id}/events/batch_create_from_local/ {events}
//	GET|PUT|PATCH|DELETE /trip-plans/{id}/events/{eid}/
//	POST      /trip-plans/{id}/events/{eid}/toggle_complete/
//	POST      /trip-plans/{id}/events/{eid}/sync_to_ralendar/ one item into the caller's calendar (author, admin)
//	POST      /trips/{slug}/sync-to-calendar/ the timed itinerary into the caller's calendar (author, admin)
//	POST      /ralendar/trips/{slug}/sync-ai-trip/ {events} the client's events, linked to the trip (author, admin)
func (h *Handlers) Mount(e *echo.Echo) {
	r := roamio.ContentRoutes(e)
	user := r.With(roamio.User)
	r.GET("/trip-plans/", h.listPlans)
	user.POST("/trip-plans/", h.createPlan)
	user.GET("/trip-plans/my_trips/", h.myTrips)
	r.GET("/trip-plans/:slug/", h.getPlan)
	user.PATCH("/trip-plans/:slug/", h.changePlan)
	user.PUT("/trip-plans/:slug/", h.changePlan)
	user.DELETE("/trip-plans/:slug/", h.deletePlan)
	user.POST("/trip-plans/:slug/clone/", h.clonePlan)
	r.GET("/trip-plans/:slug/stats/", h.stats)
	r.POST("/trip-plans/:slug/like/", h.like)
	r.POST("/trip-plans/:slug/view/", h.view)
	r.GET("/trips/", h.listTrips)
	r.GET("/trips/:slug/", h.getTrip)
	r.POST("/trips/:slug/like/", h.like)
	r.POST("/trips/:slug/checkin/", h.checkin)
	r.GET("/trips/:slug/stats/", h.stats)
	r.GET("/trip-plans/:slug/events/", h.listItems)
	user.POST("/trip-plans/:slug/events/", h.addItem)
	user.POST("/trip-plans/:slug/events/batch_create_from_local/", h.batchItems)
	r.GET("/trip-plans/:slug/events/:eid/", h.getItem)
	user.PUT("/trip-plans/:slug/events/:eid/", h.changeItem)
	user.PATCH("/trip-plans/:slug/events/:eid/", h.changeItem)
	user.DELETE("/trip-plans/:slug/events/:eid/", h.removeItem)
	user.POST("/trip-plans/:slug/events/:eid/toggle_complete/", h.toggleItem)
	user.POST("/trip-plans/:slug/events/:eid/sync_to_ralendar/", roamio.RalendarErrors(h.syncItem))
	user.POST("/trips/:slug/sync-to-calendar/", roamio.RalendarErrors(h.syncToCalendar))
	user.POST("/ralendar/trips/:slug/sync-ai-trip/", roamio.RalendarErrors(h.syncAITrip))
}
