// Package albumshttp serves 004's album ("movie") and long-image ("photo")
// jobs in the travel dialect: create, upload, start, status, delete, the
// lists, likes and comments, and the files. Every answer is HTTP 200 with
// {"code", "msg", "data"}; refusals are code 403 (travel.Render).
package albumshttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	albumscmd "github.com/fiveapis/backend/commands/albums"
	forumcmd "github.com/fiveapis/backend/commands/forum"
	"github.com/fiveapis/backend/domain/albums"
	albumsq "github.com/fiveapis/backend/queries/albums"
	forumq "github.com/fiveapis/backend/queries/forum"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// Commands is what the routes need of the job commands (albumscmd.Handlers).
type Commands interface {
	CreateJob(ctx context.Context, cmd albumscmd.CreateJob) (albumscmd.Result, error)
	UploadImage(ctx context.Context, cmd albumscmd.UploadImage) (albumscmd.Result, albums.File, error)
	UploadInfo(ctx context.Context, cmd albumscmd.UploadInfo) (albumscmd.Result, error)
	StartJob(ctx context.Context, cmd albumscmd.StartJob) (albumscmd.Result, error)
	DeleteJob(ctx context.Context, cmd albumscmd.DeleteJob) (albumscmd.Result, error)
}

// Social is what the routes need of the comment and like commands
// (forumcmd.Handlers).
type Social interface {
	PostComment(ctx context.Context, cmd forumcmd.PostComment) (forumcmd.Result, error)
	DeleteComment(ctx context.Context, cmd forumcmd.DeleteComment) (forumcmd.Result, error)
	Like(ctx context.Context, cmd forumcmd.Like) (forumcmd.Result, error)
	LikeComment(ctx context.Context, cmd forumcmd.LikeComment) (forumcmd.Result, error)
}

// Queries is what the routes need of the read models.
type Queries interface {
	GetJob(ctx context.Context, kind string, id int64) (albumsq.Job, error)
	ListJobs(ctx context.Context, f albumsq.Filter) ([]albumsq.Job, error)
}

// Comments reads the comments of a job (forumq.Queries).
type Comments interface {
	Comments(ctx context.Context, subject string, id int64) ([]forumq.Comment, error)
}

// Files serves a job's stored files (the route parameters "wid" and
// "key").
type Files interface {
	Serve(c echo.Context, job int64, key string) error
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Social   Social
	Queries  Queries
	Comments Comments
	Files    Files
	Clock    Clock
	// Zone renders times; default China Standard Time.
	Zone *time.Location
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers {
	if d.Zone == nil {
		d.Zone = time.FixedZone("CST", 8*3600)
	}
	return &Handlers{d: d}
}

// uploadBodyLimit bounds an upload's body: a file at the domain's limit and
// its form; a larger file within it is refused in the API's words.
const uploadBodyLimit = 2 * albums.MaxFileBytes

// Mount implements httpapi.Routes, for k in movie and photo, each with and
// without its trailing slash:
//
//	GET       /k/new                    a new job: {work_id}
//	POST      /k/{wid}/upload           multipart "file": an image, or the client's info.json
//	GET       /k/{wid}/start            queue the job (the document's answers per state)
//	GET       /k/{wid}/status           the job
//	GET|POST  /k/{wid}/delete           the owner deletes it
//	GET       /k/list, /k/myall         the caller's jobs (list: not failed)
//	GET       /k/all, /k/tag/{tag}      finished and shared jobs (of one tag)
//	GET       /k/{wid}/like             once per user
//	GET       /k/{wid}/comment          {comment_num, comments}
//	POST      /k/{wid}/comment/new      text
//	GET|POST  /k/comment/{cid}/like, /k/comment/{cid}/delete
//	GET       /media/movies/{wid}/{key}, /media/photos/{wid}/{key}  the files
func (h *Handlers) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, "", travel.Render).ExemptFromCSRF()
	user := r.With(travel.User)
	for _, k := range []albums.Kind{albums.Movie, albums.Photo} {
		kh := kindHandlers{h: h, k: k}
		p := "/" + string(k) + "/"
		user.GET(p+"new/", kh.create)
		user.WithBodyLimit(uploadBodyLimit).POST(p+":wid/upload/", kh.upload)
		r.GET(p+":wid/upload/", postOnly)
		user.GET(p+":wid/start/", kh.start)
		user.GET(p+":wid/status/", kh.status)
		user.GET(p+"list/", kh.list)
		user.GET(p+"myall/", kh.myall)
		r.GET(p+"all/", kh.all)
		r.GET(p+"tag/:tag/", kh.tag)
		r.GET(p+":wid/comment/", kh.comments)
		user.POST(p+":wid/comment/new/", kh.comment)
		r.GET(p+":wid/comment/new/", postOnly)
		for _, m := range []string{"GET", "POST"} {
			user.Add(m, p+":wid/delete/", kh.remove)
			user.Add(m, p+":wid/like/", kh.like)
			user.Add(m, p+"comment/:cid/like/", kh.likeComment)
			user.Add(m, p+"comment/:cid/delete/", kh.deleteComment)
		}
		e.GET("/media/"+string(k)+"s/:wid/:key", kh.file)
	}
}

func postOnly(echo.Context) error { return travel.Refusal("请使用 POST 请求") }
