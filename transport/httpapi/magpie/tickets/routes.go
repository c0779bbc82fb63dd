// Package ticketshttp serves 003's (Magpie) tickets in tastypie's
// conventions under /api/lastest/: tickets, their files (presigned upload
// and download, save_done), comments, the places and clusters the admin
// manages, the roles an admin activates, and the options (ticket-status,
// ticket-kind). Every resource takes the session (with CSRF) and ApiKey
// authentications; see docs/magpie.md.
package ticketshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	ticketscmd "github.com/fiveapis/backend/commands/tickets"
	"github.com/fiveapis/backend/queries/filters"
	identityq "github.com/fiveapis/backend/queries/identity"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

// Commands is what the routes need of the commands (ticketscmd.Handlers).
type Commands interface {
	AddArea(ctx context.Context, cmd ticketscmd.AddArea) (ticketscmd.AreaResult, error)
	RenameArea(ctx context.Context, cmd ticketscmd.RenameArea) (ticketscmd.Result, error)
	AddCluster(ctx context.Context, cmd ticketscmd.AddCluster) (ticketscmd.ClusterResult, error)
	ActivateRole(ctx context.Context, cmd ticketscmd.ActivateRole) (ticketscmd.RoleResult, error)
	RevokeRole(ctx context.Context, cmd ticketscmd.RevokeRole) (ticketscmd.Result, error)
	CreateTicket(ctx context.Context, cmd ticketscmd.CreateTicket) (ticketscmd.TicketResult, error)
	UpdateTicket(ctx context.Context, cmd ticketscmd.UpdateTicket) (ticketscmd.Result, error)
	SaveFile(ctx context.Context, cmd ticketscmd.SaveFile) (ticketscmd.Result, error)
	AddComment(ctx context.Context, cmd ticketscmd.AddComment) (ticketscmd.CommentResult, error)
}

// Queries is what the routes need of the read model (ticketsq.Queries).
type Queries interface {
	ListTickets(ctx context.Context, v ticketsq.Viewer, p filters.Page) ([]ticketsq.Ticket, int, error)
	GetTicket(ctx context.Context, v ticketsq.Viewer, id int64) (ticketsq.Ticket, error)
	GetFile(ctx context.Context, v ticketsq.Viewer, id int64) (ticketsq.File, error)
	ListAreas(ctx context.Context, p filters.Page) ([]ticketsq.Area, int, error)
	GetArea(ctx context.Context, id int64) (ticketsq.Area, error)
	ListClusters(ctx context.Context, p filters.Page) ([]ticketsq.Cluster, int, error)
	GetCluster(ctx context.Context, id int64) (ticketsq.Cluster, error)
	ListRoles(ctx context.Context, v ticketsq.Viewer, p filters.Page) ([]ticketsq.Role, int, error)
	GetRole(ctx context.Context, v ticketsq.Viewer, id int64) (ticketsq.Role, error)
	ListComments(ctx context.Context, v ticketsq.Viewer, p filters.Page) ([]ticketsq.Comment, int, error)
	GetComment(ctx context.Context, v ticketsq.Viewer, id int64) (ticketsq.Comment, error)
}

// Users reads the accounts the resources embed.
type Users interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
}

// Location is where the storage keeps objects (tastypie's domain object).
type Location struct {
	Name, Protocol, Location, Port, Prefix string
}

// Storage is the object storage of ticket files (transport/files through
// the wiring). A URL starting with "/" is on this server.
type Storage interface {
	PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error)
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	// Get reads at most max bytes (ErrObjectMissing, ErrObjectTooLarge).
	Get(ctx context.Context, key string, max int64) ([]byte, error)
	Delete(ctx context.Context, key string) error
	Location() Location
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports and limits.
type Deps struct {
	Commands Commands
	Queries  Queries
	Users    Users
	Storage  Storage
	Clock    Clock
	// URLTTL is how long a presigned URL lasts (default 7 days, as the
	// seed's example).
	URLTTL time.Duration
	// MaxPictureBytes and MaxTapeBytes bound an uploaded file (defaults 10
	// and 20 MiB).
	MaxPictureBytes int64
	MaxTapeBytes    int64
	// PublicURL makes the server's own URLs absolute (empty: the request's
	// scheme and host).
	PublicURL string
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers {
	if d.URLTTL <= 0 {
		d.URLTTL = 7 * 24 * time.Hour
	}
	if d.MaxPictureBytes <= 0 {
		d.MaxPictureBytes = 10 << 20
	}
	if d.MaxTapeBytes <= 0 {
		d.MaxTapeBytes = 20 << 20
	}
	return &Handlers{d: d}
}

// Mount implements httpapi.Routes: every resource, list and detail, for
// ApiKey and session callers (state changes of a session need CSRF).
//
//	GET|POST  /api/lastest/ticket/            GET|PATCH /api/lastest/ticket/{id}/
//	GET|PATCH /api/lastest/file/{id}/         (save_done)
//	GET|POST  /api/lastest/comment/           GET /api/lastest/comment/{id}/
//	GET|POST  /api/lastest/area/              GET|PATCH /api/lastest/area/{id}/
//	GET|POST  /api/lastest/cluster/           GET /api/lastest/cluster/{id}/
//	GET|POST|PATCH /api/lastest/role/         GET|PATCH /api/lastest/role/{id}/
//	GET       /api/lastest/ho600_lib/option/  GET /api/lastest/ho600_lib/option/{id}/
//	GET       /api/lastest/domain/            GET /api/lastest/domain/{id}/
func (h *Handlers) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, "/api/lastest", magpie.Render).With(magpie.User)
	r.GET("/ticket/", h.listTickets)
	r.POST("/ticket/", h.createTicket)
	r.GET("/ticket/:id/", h.getTicket)
	r.PATCH("/ticket/:id/", h.patchTicket)
	r.GET("/file/:id/", h.getFile)
	r.PATCH("/file/:id/", h.patchFile)
	r.GET("/comment/", h.listComments)
	r.POST("/comment/", h.createComment)
	r.GET("/comment/:id/", h.getComment)
	r.GET("/area/", h.listAreas)
	r.POST("/area/", h.createArea)
	r.GET("/area/:id/", h.getArea)
	r.PATCH("/area/:id/", h.patchArea)
	r.GET("/cluster/", h.listClusters)
	r.POST("/cluster/", h.createCluster)
	r.GET("/cluster/:id/", h.getCluster)
	r.GET("/role/", h.listRoles)
	r.POST("/role/", h.activateRole)
	r.PATCH("/role/", h.activateRole)
	r.GET("/role/:id/", h.getRole)
	r.PATCH("/role/:id/", h.patchRole)
	r.GET("/ho600_lib/option/", h.listOptions)
	r.GET("/ho600_lib/option/:id/", h.getOption)
	r.GET("/domain/", h.listDomains)
	r.GET("/domain/:id/", h.getDomain)
}
