package albumshttp

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	albumscmd "github.com/fiveapis/backend/commands/albums"
	forumcmd "github.com/fiveapis/backend/commands/forum"
	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/forum"
	albumsq "github.com/fiveapis/backend/queries/albums"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
	"github.com/fiveapis/backend/transport/httpapi/travel"
	forumhttp "github.com/fiveapis/backend/transport/httpapi/travel/forum"
)

const done = "操作成功"

// kindHandlers serve the routes of one kind of job.
type kindHandlers struct {
	h *Handlers
	k albums.Kind
}

func (kh kindHandlers) notFound() error {
	if kh.k == albums.Photo {
		return refusal("TRAVEL_PHOTO_NOT_FOUND", "找不到长图")
	}
	return refusal("TRAVEL_MOVIE_NOT_FOUND", "找不到影集")
}

func (kh kindHandlers) wid(c echo.Context) (int64, error) {
	id, ok := forumhttp.ID(c.Param("wid"))
	if !ok {
		return 0, albums.ErrNotFound
	}
	return id, nil
}

// create: GET /k/new → {work_id}.
func (kh kindHandlers) create(c echo.Context) error {
	res, err := kh.h.d.Commands.CreateJob(c.Request().Context(), albumscmd.CreateJob{Actor: httpapi.Actor(c), Kind: kh.k,
		Meta: httpapi.EventMeta(c, kh.h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, map[string]any{"work_id": res.JobID})
}

// upload: POST /k/{wid}/upload, multipart "file": info.json (by its name
// or a JSON object's first byte) or an image that decodes.
func (kh kindHandlers) upload(c echo.Context) error {
	id, err := kh.wid(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) || (err == nil && fh.Size > albums.MaxFileBytes) {
		return albums.ErrTooLarge
	}
	if err != nil {
		return albums.ErrNoFile
	}
	f, err := fh.Open()
	if err != nil {
		return albums.ErrNoFile
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, albums.MaxFileBytes+1))
	switch {
	case err != nil || len(data) == 0:
		return albums.ErrNoFile
	case len(data) > albums.MaxFileBytes:
		return albums.ErrTooLarge
	}
	ctx := c.Request().Context()
	actor, meta := httpapi.Actor(c), httpapi.EventMeta(c, kh.h.d.Clock.Now())
	name := path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
	if strings.EqualFold(name, "info.json") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		if _, err := kh.h.d.Commands.UploadInfo(ctx, albumscmd.UploadInfo{Actor: actor, Kind: kh.k, JobID: id, Data: data, Meta: meta}); err != nil {
			return err
		}
		httpapi.Settle(c)
		return travel.OK(c, done, map[string]any{"filename": "info.json", "url": ""})
	}
	checked, err := imagecheck.Check(data, imagecheck.MaxPixels)
	var pixels imagecheck.TooManyPixelsError
	switch {
	case errors.As(err, &pixels):
		return refusal("TRAVEL_IMAGE_TOO_LARGE", fmt.Sprintf("图片尺寸过大(%d×%d),最多 %d 像素", pixels.Width, pixels.Height, pixels.Max))
	case err != nil:
		return albums.ErrNotImage
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return albums.ErrNotImage
	}
	_, file, err := kh.h.d.Commands.UploadImage(ctx, albumscmd.UploadImage{Actor: actor, Kind: kh.k, JobID: id,
		Image: albums.File{Name: name, ContentType: checked.ContentType, Width: cfg.Width, Height: cfg.Height},
		Ext:   checked.Ext, Data: data, Meta: meta})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, map[string]any{"filename": file.Key, "url": FileURL(kh.k, id, file.Key)})
}

// start: GET /k/{wid}/start.
func (kh kindHandlers) start(c echo.Context) error {
	id, err := kh.wid(c)
	if err != nil {
		return err
	}
	res, err := kh.h.d.Commands.StartJob(c.Request().Context(), albumscmd.StartJob{Actor: httpapi.Actor(c), Kind: kh.k, JobID: id,
		Meta: httpapi.EventMeta(c, kh.h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, res.Message, map[string]any{"work_id": id})
}

// own returns the caller's job of the kind.
func (kh kindHandlers) own(c echo.Context) (albumsq.Job, error) {
	id, err := kh.wid(c)
	if err != nil {
		return albumsq.Job{}, err
	}
	j, err := kh.h.d.Queries.GetJob(c.Request().Context(), string(kh.k), id)
	if errors.Is(err, albumsq.ErrNotFound) || err == nil && j.OwnerID != httpapi.Actor(c).UserID {
		return j, albums.ErrNotFound
	}
	return j, err
}

// status: GET /k/{wid}/status.
func (kh kindHandlers) status(c echo.Context) error {
	j, err := kh.own(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return travel.OK(c, "获取成功", kh.jobDTO(j))
}

// remove: GET|POST /k/{wid}/delete.
func (kh kindHandlers) remove(c echo.Context) error {
	id, err := kh.wid(c)
	if err != nil {
		return err
	}
	if _, err := kh.h.d.Commands.DeleteJob(c.Request().Context(), albumscmd.DeleteJob{Actor: httpapi.Actor(c), Kind: kh.k, JobID: id,
		Meta: httpapi.EventMeta(c, kh.h.d.Clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, nil)
}

func (kh kindHandlers) answerList(c echo.Context, f albumsq.Filter, withUID bool) error {
	f.Kind = string(kh.k)
	jobs, err := kh.h.d.Queries.ListJobs(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(jobs))
	for _, j := range jobs {
		items = append(items, kh.jobDTO(j))
	}
	p := string(kh.k)
	data := map[string]any{p + "_num": len(items), p + "s": items}
	if withUID {
		data["uid"] = httpapi.Actor(c).UserID
	}
	return travel.OK(c, "获取成功", data)
}

// list: GET /k/list → the caller's jobs that did not fail.
func (kh kindHandlers) list(c echo.Context) error {
	return kh.answerList(c, albumsq.Filter{Owner: httpapi.Actor(c).UserID, NotFailed: true, Tag: -1}, true)
}

// myall: GET /k/myall → all the caller's jobs.
func (kh kindHandlers) myall(c echo.Context) error {
	return kh.answerList(c, albumsq.Filter{Owner: httpapi.Actor(c).UserID, Tag: -1}, true)
}

// all: GET /k/all → finished and shared jobs.
func (kh kindHandlers) all(c echo.Context) error {
	return kh.answerList(c, albumsq.Filter{Public: true, Tag: -1}, false)
}

// tag: GET /k/tag/{tag} → finished and shared jobs of the tag.
func (kh kindHandlers) tag(c echo.Context) error {
	t, err := strconv.Atoi(c.Param("tag"))
	if err != nil || t < 0 || t > albums.MaxTag {
		return forum.ErrInvalid
	}
	return kh.answerList(c, albumsq.Filter{Public: true, Tag: t}, false)
}

func (kh kindHandlers) subject() forum.Subject { return forum.Subject(kh.k) }

// like: GET /k/{wid}/like.
func (kh kindHandlers) like(c echo.Context) error {
	id, ok := forumhttp.ID(c.Param("wid"))
	if !ok {
		return kh.notFound()
	}
	if _, err := kh.h.d.Social.Like(c.Request().Context(), forumcmd.Like{Actor: httpapi.Actor(c), Subject: kh.subject(),
		SubjectID: id, NotFound: kh.notFound(), Meta: httpapi.EventMeta(c, kh.h.d.Clock.Now())}); err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, nil)
}

// comments: GET /k/{wid}/comment → {comment_num, comments}.
func (kh kindHandlers) comments(c echo.Context) error {
	id, ok := forumhttp.ID(c.Param("wid"))
	if !ok {
		return kh.notFound()
	}
	cs, err := kh.h.d.Comments.Comments(c.Request().Context(), string(kh.subject()), id)
	if err != nil {
		return err
	}
	list := forumhttp.Comments(cs, kh.h.d.Zone)
	return travel.OK(c, "获取成功", map[string]any{"comment_num": len(list), "comments": list})
}

// comment: POST /k/{wid}/comment/new (text).
func (kh kindHandlers) comment(c echo.Context) error {
	id, ok := forumhttp.ID(c.Param("wid"))
	if !ok {
		return kh.notFound()
	}
	f, err := travel.ReadForm(c, "参数无效")
	if err != nil {
		return err
	}
	text, ok := f.Opt("text")
	if !ok {
		return forum.ErrInvalid
	}
	res, err := kh.h.d.Social.PostComment(c.Request().Context(), forumcmd.PostComment{Actor: httpapi.Actor(c), Subject: kh.subject(),
		SubjectID: id, Text: text, NotFound: kh.notFound(), Meta: httpapi.EventMeta(c, kh.h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	return travel.OK(c, done, map[string]any{"comment_id": res.ID})
}

func (kh kindHandlers) likeComment(c echo.Context) error {
	return forumhttp.LikeComment(c, kh.h.d.Social, kh.h.d.Clock, kh.subject())
}

func (kh kindHandlers) deleteComment(c echo.Context) error {
	return forumhttp.DeleteComment(c, kh.h.d.Social, kh.h.d.Clock, kh.subject())
}

// file: GET /media/{k}s/{wid}/{key}.
func (kh kindHandlers) file(c echo.Context) error {
	id, ok := forumhttp.ID(c.Param("wid"))
	if !ok {
		return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
	return kh.h.d.Files.Serve(c, id, c.Param("key"))
}
