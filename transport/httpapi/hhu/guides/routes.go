// Package guideshttp serves 001's service guides (服务指南) in the hhu
// dialect: the guides and their categories, the files themselves and
// requests to have one mailed.
package guideshttp

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	guidescmd "github.com/fiveapis/backend/commands/guides"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/guides"
	guidesq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// Commands is what the routes need of the commands (guidescmd.Handlers).
type Commands interface {
	AddCategory(ctx context.Context, cmd guidescmd.AddCategory) (guidescmd.CategoryResult, error)
	RenameCategory(ctx context.Context, cmd guidescmd.RenameCategory) (guidescmd.CategoryResult, error)
	RemoveCategory(ctx context.Context, cmd guidescmd.RemoveCategory) (guidescmd.Result, error)
	UploadGuide(ctx context.Context, cmd guidescmd.UploadGuide) (guidescmd.GuideResult, error)
	ChangeGuide(ctx context.Context, cmd guidescmd.ChangeGuide) (guidescmd.GuideResult, error)
	RemoveGuide(ctx context.Context, cmd guidescmd.RemoveGuide) (guidescmd.Result, error)
	RequestEmail(ctx context.Context, cmd guidescmd.RequestEmail) (guidescmd.Result, error)
}

// Queries is what the routes need of the read model (guidesq.Queries).
type Queries interface {
	ListCategories(ctx context.Context) ([]guidesq.Category, error)
	GetCategory(ctx context.Context, id int64) (guidesq.Category, error)
	ListGuides(ctx context.Context, categoryID int64, search string) ([]guidesq.Guide, error)
	GetGuide(ctx context.Context, id int64) (guidesq.Guide, error)
}

// Files stores the guides' files (the file store, transport/files). Open
// of a key that names no file is an error matching fs.ErrNotExist.
type Files interface {
	Put(data []byte, ext string) (key string, err error)
	Open(key string) (*os.File, error)
}

// Emails tells a user's current e-mail address ("" when none).
type Emails interface {
	EmailOf(ctx context.Context, userID int64) (string, error)
}

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Files    Files
	Emails   Emails
	Clock    hhu.Clock
	// Zone renders times (default: China Standard Time).
	Zone *time.Location
}

// Handlers serve the routes.
type Handlers struct {
	d Deps
}

// New returns the routes.
func New(d Deps) *Handlers {
	if d.Zone == nil {
		d.Zone = meetingroomscmd.DefaultZone
	}
	return &Handlers{d: d}
}

// uploadBodyLimit is the largest body an upload route reads: a file at the
// domain's limit and its form; a larger file within it is refused with the
// domain's words.
const uploadBodyLimit = 2 * guides.MaxFileSize

// Mount implements httpapi.Routes:
//
//	GET    /guides/                                  guides (?category=<id>&search=), any user
//	GET    /guides/categories/                       categories
//	GET    /guides/{id}                              the file itself
//	POST   /guides/{id}/email/                       mail it to me: 200 once queued
//	GET    /guides/{id}/email/                       405: a link must never send mail
//	GET|POST /api/admin/hhu/guides/categories/       admin: list, add {name}
//	GET|PUT|PATCH|DELETE /api/admin/hhu/guides/categories/{id}/
//	GET|POST /api/admin/hhu/guides/                  admin: list, upload (multipart: file, title, category)
//	GET|PUT|PATCH|DELETE /api/admin/hhu/guides/{id}/ admin: one, replace (PUT: file, title,
//	                                                 category), edit (PATCH: any of them), remove
func (h *Handlers) Mount(e *echo.Echo) {
	r := hhu.Routes(e)
	user, admin := r.With(hhu.User), r.With(hhu.Admin)
	categories := h.categories()
	user.GET("/guides/", h.list)
	user.GET("/guides/categories/", categories.ListAll)
	user.GET("/guides/:id/", h.download)
	user.POST("/guides/:id/email/", h.email)
	user.NotAllowed(http.MethodGet, "/guides/:id/email/", emailByGet)
	const prefix = "/api/admin/hhu/guides/"
	categories.Mount(admin, prefix+"categories/")
	admin.GET(prefix, h.list)
	uploads := admin.WithBodyLimit(uploadBodyLimit)
	uploads.POST(prefix, h.upload)
	admin.GET(prefix+":id/", h.get)
	uploads.PUT(prefix+":id/", h.replace)
	admin.PATCH(prefix+":id/", h.edit)
	admin.DELETE(prefix+":id/", h.remove)
}
