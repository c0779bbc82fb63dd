package commentshttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	commentscmd "github.com/fiveapis/backend/commands/comments"
	"github.com/fiveapis/backend/domain/comments"
	"github.com/fiveapis/backend/domain/trips"
	commentsq "github.com/fiveapis/backend/queries/comments"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

var errInvalidPage = drf.Refusal{Status: http.StatusNotFound, Detail: "Invalid page."}

// userJSON is a comment's author: the seed's avatar and the client's
// profile.avatar_url.
type userJSON struct {
	ID       int64   `json:"id"`
	Username string  `json:"username"`
	Avatar   *string `json:"avatar"`
	Profile  struct {
		AvatarURL *string `json:"avatar_url"`
	} `json:"profile"`
}

// commentJSON is a comment with both shapes: the seed's (replies_count,
// liked_by_me, is_pinned) and the web client's (replies nested, user_liked,
// can_delete).
type commentJSON struct {
	ID           int64          `json:"id"`
	User         userJSON       `json:"user"`
	Content      string         `json:"content"`
	Image        *string        `json:"image"`
	Video        *string        `json:"video"`
	Page         string         `json:"page"`
	Parent       *int64         `json:"parent"`
	RepliesCount int64          `json:"replies_count"`
	Replies      []*commentJSON `json:"replies"`
	Likes        int64          `json:"likes"`
	LikedByMe    bool           `json:"liked_by_me"`
	UserLiked    bool           `json:"user_liked"`
	IsPinned     bool           `json:"is_pinned"`
	CanDelete    bool           `json:"can_delete"`
	Timestamp    string         `json:"timestamp"`
	CreatedAt    string         `json:"created_at"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// renderer renders comments for one request, looking each author up once.
type renderer struct {
	h     *Handlers
	c     echo.Context
	users map[int64]userJSON
}

func (h *Handlers) renderer(c echo.Context) *renderer {
	return &renderer{h: h, c: c, users: map[int64]userJSON{}}
}

func (r *renderer) user(ctx context.Context, id int64) (userJSON, error) {
	if u, ok := r.users[id]; ok {
		return u, nil
	}
	u := userJSON{ID: id}
	if r.h.d.Users != nil {
		acc, err := r.h.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
		if err != nil && !errors.Is(err, identityq.ErrNotFound) {
			return u, fmt.Errorf("comment author %d: %w", id, err)
		}
		u.Username = acc.Username
		if acc.AvatarKey != "" {
			base := r.h.d.PublicURL
			if base == "" {
				base = r.c.Scheme() + "://" + r.c.Request().Host
			}
			s := base + roamio.Prefix + "/media/avatars/" + acc.AvatarKey
			u.Avatar, u.Profile.AvatarURL = &s, &s
		}
	}
	r.users[id] = u
	return u, nil
}

func (r *renderer) one(cm commentsq.Comment) (*commentJSON, error) {
	u, err := r.user(r.c.Request().Context(), cm.UserID)
	if err != nil {
		return nil, err
	}
	a := httpapi.Actor(r.c)
	ts := cm.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")
	out := &commentJSON{ID: cm.ID, User: u, Content: cm.Content, Image: orNull(cm.Image), Video: orNull(cm.Video), Page: cm.Page,
		RepliesCount: cm.RepliesCount, Replies: []*commentJSON{}, Likes: cm.Likes, LikedByMe: cm.LikedByMe, UserLiked: cm.LikedByMe,
		IsPinned: cm.Pinned, CanDelete: a.Owns(cm.UserID) || a.Admin, Timestamp: ts, CreatedAt: ts}
	if cm.ParentID != 0 {
		out.Parent = &cm.ParentID
	}
	return out, nil
}

// threads renders comments with their standing replies nested under their
// parents, at any depth.
func (r *renderer) threads(top []commentsq.Comment) ([]*commentJSON, error) {
	out := make([]*commentJSON, 0, len(top))
	byID := map[int64]*commentJSON{}
	roots := map[int64]bool{}
	for _, cm := range top {
		j, err := r.one(cm)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
		byID[cm.ID] = j
		roots[cm.RootID] = true
	}
	if len(top) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(roots))
	for id := range roots {
		ids = append(ids, id)
	}
	all, err := r.h.d.Queries.Threads(r.c.Request().Context(), httpapi.Actor(r.c).UserID, ids)
	if err != nil {
		return nil, err
	}
	// Oldest first: a parent is rendered before its replies.
	for _, cm := range all {
		if _, ok := byID[cm.ID]; ok {
			continue
		}
		parent, ok := byID[cm.ParentID]
		if !ok {
			continue // under a deleted comment, or above the listed ones
		}
		j, err := r.one(cm)
		if err != nil {
			return nil, err
		}
		parent.Replies = append(parent.Replies, j)
		byID[cm.ID] = j
	}
	return out, nil
}

func pageParams(c echo.Context) (page, size int, err error) {
	page, size = 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, errInvalidPage
		}
		page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, commentsq.MaxPageSize)
		}
	}
	return page, size, nil
}

func idQuery(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" || v == "null" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, drf.FieldErrors{name: {"Enter a valid number."}}
	}
	return n, nil
}

// list: GET /comments/?page_filter= (or the client's trip=)&user=&parent_id=
// → a DRF page of comments, pinned first then newest, replies nested.
func (h *Handlers) list(c echo.Context) error {
	pageKey := c.QueryParam("page_filter")
	if pageKey == "" {
		pageKey = c.QueryParam("trip")
	}
	userID, err := idQuery(c, "user")
	if err != nil {
		return err
	}
	parentID, err := idQuery(c, "parent_id")
	if err != nil {
		return err
	}
	return h.answerPage(c, commentsq.Filter{Page: pageKey, UserID: userID, ParentID: parentID}, "/comments/")
}

func (h *Handlers) answerPage(c echo.Context, f commentsq.Filter, path string) error {
	page, size, err := pageParams(c)
	if err != nil {
		return err
	}
	f.Viewer, f.Offset, f.Limit = httpapi.Actor(c).UserID, (page-1)*size, size
	cs, total, err := h.d.Queries.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if len(cs) == 0 && page > 1 {
		return errInvalidPage
	}
	results, err := h.renderer(c).threads(cs)
	if err != nil {
		return err
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= total {
			return nil
		}
		q := c.QueryParams()
		q.Set("page", strconv.Itoa(n))
		s := c.Scheme() + "://" + c.Request().Host + roamio.Prefix + path + "?" + url.Values(q).Encode()
		return &s
	}
	return c.JSON(http.StatusOK, map[string]any{"count": total, "next": link(page + 1), "previous": link(page - 1), "results": results})
}

// tripComments: GET /trips/{slug}/comments/ → the comments of the trip's
// page (its slug), if the trip is visible.
func (h *Handlers) tripComments(c echo.Context) error {
	slug := c.Param("slug")
	if h.d.Trips == nil || !trips.ValidSlug(slug) {
		return trips.ErrTripNotFound
	}
	t, err := h.d.Trips.TripBySlug(c.Request().Context(), slug)
	if errors.Is(err, tripsq.ErrNotFound) {
		return trips.ErrTripNotFound
	}
	if err != nil {
		return err
	}
	if a := httpapi.Actor(c); t.Visibility != trips.VisibilityPublic && !a.Owns(t.AuthorID) && !a.Admin {
		return trips.ErrTripNotFound
	}
	return h.answerPage(c, commentsq.Filter{Page: t.Slug}, "/trips/"+slug+"/comments/")
}

// post: POST /comments/ JSON {content, page, parent, image, video} (links)
// or multipart {content, page, parent, image, video} (files or links) →
// 201 with the comment.
func (h *Handlers) post(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	content, _ := f.Str("content", errs, false)
	page, _ := f.Str("page", errs, false)
	var parent int64
	if v, ok := f.Opt("parent"); ok && v != "" && v != "null" && !f.IsNull("parent") {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			parent = n
		} else {
			errs.Add("parent", "Incorrect type. Expected pk value.")
		}
	}
	post := comments.Post{Page: page, ParentID: parent, Content: content}
	for _, kind := range []string{comments.MediaImage, comments.MediaVideo} {
		link, err := h.media(c, f, kind)
		if err != nil {
			var fe drf.FieldErrors
			if errors.As(err, &fe) {
				for k, ms := range fe {
					errs[k] = append(errs[k], ms...)
				}
				continue
			}
			return err
		}
		if kind == comments.MediaImage {
			post.Image = link
		} else {
			post.Video = link
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.Post(c.Request().Context(), commentscmd.Post{Actor: httpapi.Actor(c), Post: post,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	e := res.Posted
	j, err := h.renderer(c).one(commentsq.Comment{ID: e.CommentID, UserID: e.UserID, Page: e.Page, ParentID: e.ParentID,
		RootID: e.RootID, Content: e.Content, Image: e.Image, Video: e.Video, CreatedAt: e.PostedAt})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, j)
}

// media reads an image or video: an uploaded file (multipart) or a link.
func (h *Handlers) media(c echo.Context, f drf.Form, kind string) (string, error) {
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		fh, err := formFile(c, kind)
		if err != nil {
			return "", err
		}
		if fh != nil {
			if kind == comments.MediaImage {
				return h.storeImage(c, fh)
			}
			return h.storeVideo(c, fh)
		}
	}
	v, ok := f.Opt(kind)
	if !ok || f.IsNull(kind) {
		return "", nil
	}
	return strings.TrimSpace(v), nil
}

func commentParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, comments.ErrCommentNotFound
	}
	return id, nil
}

// answer answers one comment as read now, with its replies.
func (h *Handlers) answer(c echo.Context, id int64) error {
	httpapi.Settle(c)
	cm, err := h.d.Queries.Get(c.Request().Context(), httpapi.Actor(c).UserID, id)
	if errors.Is(err, commentsq.ErrNotFound) {
		return comments.ErrCommentNotFound
	}
	if err != nil {
		return err
	}
	out, err := h.renderer(c).threads([]commentsq.Comment{cm})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out[0])
}

// get: GET /comments/{id}/.
func (h *Handlers) get(c echo.Context) error {
	id, err := commentParam(c)
	if err != nil {
		return err
	}
	return h.answer(c, id)
}

// replies: GET /comments/{id}/replies/ → the direct replies, oldest first,
// each with its own replies nested.
func (h *Handlers) replies(c echo.Context) error {
	id, err := commentParam(c)
	if err != nil {
		return err
	}
	viewer := httpapi.Actor(c).UserID
	if _, err := h.d.Queries.Get(c.Request().Context(), viewer, id); errors.Is(err, commentsq.ErrNotFound) {
		return comments.ErrCommentNotFound
	} else if err != nil {
		return err
	}
	cs, _, err := h.d.Queries.List(c.Request().Context(), commentsq.Filter{ParentID: id, Viewer: viewer, Limit: commentsq.MaxPageSize * 10})
	if err != nil {
		return err
	}
	for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
		cs[i], cs[j] = cs[j], cs[i]
	}
	out, err := h.renderer(c).threads(cs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) change(c echo.Context, cmd commentscmd.Change) (int64, error) {
	id, err := commentParam(c)
	if err != nil {
		return 0, err
	}
	cmd.Actor, cmd.CommentID, cmd.Meta = httpapi.Actor(c), id, httpapi.EventMeta(c, h.d.Clock.Now())
	_, err = h.d.Commands.Change(c.Request().Context(), cmd)
	return id, err
}

// edit: PATCH|PUT /comments/{id}/ {content} → the comment.
func (h *Handlers) edit(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	content, _ := f.Str("content", errs, false)
	if err := errs.Err(); err != nil {
		return err
	}
	id, err := h.change(c, commentscmd.Change{Content: &content})
	if err != nil {
		return err
	}
	return h.answer(c, id)
}

// remove: DELETE /comments/{id}/ → 204 (author or admin; others 403).
func (h *Handlers) remove(c echo.Context) error {
	if _, err := h.change(c, commentscmd.Change{Delete: true}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// addImage: POST /comments/{id}/add_image/ multipart image → the comment.
func (h *Handlers) addImage(c echo.Context) error {
	fh, err := formFile(c, "image")
	if err != nil {
		return err
	}
	if fh == nil {
		return drf.FieldErrors{"image": {"No file was submitted."}}
	}
	link, err := h.storeImage(c, fh)
	if err != nil {
		return err
	}
	id, err := h.change(c, commentscmd.Change{MediaKind: comments.MediaImage, MediaURL: link})
	if err != nil {
		return err
	}
	return h.answer(c, id)
}

// pin: POST /comments/{id}/pin/ {is_pinned} (admin; absent: pin) → the
// comment.
func (h *Handlers) pin(c echo.Context) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	pinned := !f.Has("is_pinned") || f.Bool("is_pinned")
	id, err := h.change(c, commentscmd.Change{Pin: &pinned})
	if err != nil {
		return err
	}
	return h.answer(c, id)
}

// like: POST /comments/{id}/like/ → {success, likes, liked_by_me,
// user_liked}: a like, or taking it back.
func (h *Handlers) like(c echo.Context) error {
	id, err := commentParam(c)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.Like(c.Request().Context(), commentscmd.Like{Actor: httpapi.Actor(c), CommentID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	cm, err := h.d.Queries.Get(c.Request().Context(), httpapi.Actor(c).UserID, id)
	if err != nil && !errors.Is(err, commentsq.ErrNotFound) {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "likes": cm.Likes, "liked_by_me": res.Liked, "user_liked": res.Liked})
}
