// Package forumhttp serves 004's community (/forum/…) in the travel
// dialect: every answer HTTP 200 with {"code", "msg", "data"}, refusals as
// code 403 (travel.Render).
package forumhttp

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	forumcmd "github.com/fiveapis/backend/commands/forum"
	forumq "github.com/fiveapis/backend/queries/forum"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// Commands is what the routes need of the commands (forumcmd.Handlers).
type Commands interface {
	PublishPost(ctx context.Context, cmd forumcmd.PublishPost) (forumcmd.Result, error)
	EditPost(ctx context.Context, cmd forumcmd.EditPost) (forumcmd.Result, error)
	DeletePost(ctx context.Context, cmd forumcmd.DeletePost) (forumcmd.Result, error)
	PostComment(ctx context.Context, cmd forumcmd.PostComment) (forumcmd.Result, error)
	DeleteComment(ctx context.Context, cmd forumcmd.DeleteComment) (forumcmd.Result, error)
	Like(ctx context.Context, cmd forumcmd.Like) (forumcmd.Result, error)
	LikeComment(ctx context.Context, cmd forumcmd.LikeComment) (forumcmd.Result, error)
}

// Queries is what the routes need of the read model (forumq.Queries).
type Queries interface {
	CountPosts(ctx context.Context) (int, error)
	Page(ctx context.Context, n int) ([]forumq.Post, error)
	GetPost(ctx context.Context, id int64) (forumq.Post, error)
	Comments(ctx context.Context, subject string, id int64) ([]forumq.Comment, error)
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the routes' ports.
type Deps struct {
	Commands Commands
	Queries  Queries
	Clock    Clock
	// Zone renders times ("2021-03-09 00:14:29"); default China Standard
	// Time.
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

// Mount implements httpapi.Routes, each route with and without its
// trailing slash:
//
//	GET       /forum/                     the post count and the newest 10 posts
//	GET       /forum/page/{n}             page n (from 1), 10 a page, newest first
//	GET       /forum/post/{pid}           a post with its comments
//	POST      /forum/post/new             title, type (or post_type), text, cover, reference
//	POST      /forum/post/{pid}/edit      the author: title, text (type, cover, reference)
//	GET|POST  /forum/post/{pid}/delete    the author
//	GET|POST  /forum/post/{pid}/like      once per user
//	POST      /forum/comment/new          pid, text
//	GET|POST  /forum/comment/{cid}/delete the comment's author
//	GET|POST  /forum/comment/{cid}/like   once per user (the original routed it to delete)
func (h *Handlers) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, "", travel.Render).ExemptFromCSRF()
	user := r.With(travel.User)
	r.GET("/forum/", h.summary)
	r.GET("/forum/page/:n/", h.page)
	r.GET("/forum/post/:pid/", h.post)
	user.POST("/forum/post/new/", h.publish)
	user.POST("/forum/post/:pid/edit/", h.edit)
	user.POST("/forum/comment/new/", h.comment)
	for _, p := range []string{"/forum/post/new/", "/forum/post/:pid/edit/", "/forum/comment/new/"} {
		r.GET(p, postOnly)
	}
	for _, m := range []string{"GET", "POST"} {
		user.Add(m, "/forum/post/:pid/delete/", h.deletePost)
		user.Add(m, "/forum/post/:pid/like/", h.likePost)
		user.Add(m, "/forum/comment/:cid/delete/", h.deleteComment)
		user.Add(m, "/forum/comment/:cid/like/", h.likeComment)
	}
}

func postOnly(echo.Context) error { return travel.Refusal("请使用 POST 请求") }
