package hhu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	guidecmd "github.com/fiveapis/backend/commands/guides"
	"github.com/fiveapis/backend/commands/hhuactor"
	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
	guideq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/files"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// GuideCommands is what the guide routes need of the commands.
type GuideCommands interface {
	AddCategory(ctx context.Context, cmd guidecmd.AddCategory) (guidecmd.CategoryResult, error)
	RenameCategory(ctx context.Context, cmd guidecmd.RenameCategory) (guidecmd.CategoryResult, error)
	RemoveCategory(ctx context.Context, cmd guidecmd.RemoveCategory) (guidecmd.Result, error)
	UploadGuide(ctx context.Context, cmd guidecmd.UploadGuide) (guidecmd.GuideResult, error)
	ChangeGuide(ctx context.Context, cmd guidecmd.ChangeGuide) (guidecmd.GuideResult, error)
	RemoveGuide(ctx context.Context, cmd guidecmd.RemoveGuide) (guidecmd.Result, error)
	RequestEmail(ctx context.Context, cmd guidecmd.RequestEmail) (guidecmd.Result, error)
}

// GuideQueries is what the guide routes need of the queries.
type GuideQueries interface {
	ListCategories(ctx context.Context) ([]guideq.Category, error)
	GetCategory(ctx context.Context, id int64) (guideq.Category, error)
	ListGuides(ctx context.Context, categoryID int64) ([]guideq.Guide, error)
	GetGuide(ctx context.Context, id int64) (guideq.Guide, error)
}

// GuideFiles stores the guides' files (files.Local).
type GuideFiles interface {
	Put(data []byte, ext string) (string, error)
	Open(key string) (*os.File, error)
}

// UserEmails tells a user's current e-mail address ("" when none).
type UserEmails interface {
	EmailOf(ctx context.Context, userID int64) (string, error)
}

// GuideDeps are the ports of the guide routes.
type GuideDeps struct {
	Commands    GuideCommands
	Queries     GuideQueries
	Files       GuideFiles
	Emails      UserEmails
	Clock       Clock
	Consistency httpapi.Consistency
	// Zone renders times (default: China Standard Time).
	Zone *time.Location
}

// Guides serves 001's service guides (服务指南):
//
//	GET    /guides/                                  guides (?category=<id>), any user
//	GET    /guides/categories/                       categories
//	GET    /guides/{id}                              the file itself
//	GET    /guides/{id}/email                        mail it to me: 202 once queued
//	GET|POST /api/admin/hhu/guides/categories/       admin: list, add {name}
//	GET|PUT|PATCH|DELETE /api/admin/hhu/guides/categories/{id}/
//	GET|POST /api/admin/hhu/guides/                  admin: list, upload (multipart: file, title, category)
//	GET|PUT|PATCH|DELETE /api/admin/hhu/guides/{id}/ admin: one, replace (PUT: file, title,
//	                                                 category), edit (PATCH: any of them), remove
type Guides struct {
	d GuideDeps
}

// NewGuides returns the routes.
func NewGuides(d GuideDeps) *Guides {
	if d.Zone == nil {
		d.Zone = roomcmd.DefaultZone
	}
	return &Guides{d: d}
}

// Mount implements httpapi.Routes. Every path is served with and without its
// trailing slash.
func (m *Guides) Mount(e *echo.Echo) {
	route := routeBoth(e)
	route(http.MethodGet, "/guides/", m.list)
	route(http.MethodGet, "/guides/categories/", m.listCategories)
	route(http.MethodGet, "/guides/:id/", m.download)
	route(http.MethodGet, "/guides/:id/email/", m.email)
	const admin = "/api/admin/hhu/guides/"
	m.categories().mount(route, admin+"categories/")
	route(http.MethodGet, admin, m.adminList)
	route(http.MethodPost, admin, m.upload)
	route(http.MethodGet, admin+":id/", m.adminGet)
	route(http.MethodPut, admin+":id/", m.replace)
	route(http.MethodPatch, admin+":id/", m.edit)
	route(http.MethodDelete, admin+":id/", m.remove)
}

type guideCategoryJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Guides int    `json:"guides"`
}

type guideJSON struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	Category     int64  `json:"category"`
	CategoryName string `json:"category_name"`
	FileName     string `json:"file_name"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	URL          string `json:"url"`
	EmailURL     string `json:"email_url"`
	Created      string `json:"created"`
	Updated      string `json:"updated"`
}

func (m *Guides) toJSON(g guideq.Guide) guideJSON {
	id := strconv.FormatInt(g.ID, 10)
	return guideJSON{ID: g.ID, Title: g.Title, Category: g.CategoryID, CategoryName: g.CategoryName, FileName: g.FileName,
		ContentType: g.ContentType, Size: g.Size, SHA256: g.SHA256, URL: "/guides/" + id, EmailURL: "/guides/" + id + "/email",
		Created: g.CreatedAt.In(m.d.Zone).Format(time.RFC3339), Updated: g.UpdatedAt.In(m.d.Zone).Format(time.RFC3339)}
}

// list: GET /guides/?category=<id> → the guides, by category then title.
func (m *Guides) list(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	return m.writeGuides(c)
}

// adminList: GET /api/admin/hhu/guides/?category=<id>.
func (m *Guides) adminList(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return m.writeGuides(c)
}

func (m *Guides) writeGuides(c echo.Context) error {
	errs := drf.FieldErrors{}
	category, _ := queryInt(c, "category", errs)
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	m.d.Consistency.BeforeQuery(c, guideq.ProjectionName)
	gs, err := m.d.Queries.ListGuides(c.Request().Context(), category)
	if err != nil {
		return renderError(c, err)
	}
	out := make([]guideJSON, len(gs))
	for i, g := range gs {
		out[i] = m.toJSON(g)
	}
	return c.JSON(http.StatusOK, out)
}

// listCategories: GET /guides/categories/.
func (m *Guides) listCategories(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	return m.categories().answerAll(c)
}

func (m *Guides) readModel() readModel {
	return readModel{consistency: m.d.Consistency, projection: guideq.ProjectionName, notFound: guideq.ErrNotFound}
}

func toGuideCategoryJSON(x guideq.Category) guideCategoryJSON { return guideCategoryJSON(x) }

// categories serves the admin routes of the categories; a category that
// still holds guides cannot be removed (409).
func (m *Guides) categories() namedAdmin[guideq.Category, guideCategoryJSON] {
	return namedAdmin[guideq.Category, guideCategoryJSON]{
		kit: m.kit(), rm: m.readModel(),
		list: m.d.Queries.ListCategories, get: m.d.Queries.GetCategory, render: toGuideCategoryJSON,
		written: func(id int64, name string) guideCategoryJSON { return guideCategoryJSON{ID: id, Name: name} },
		gone:    guides.ErrCategoryNotFound,
		add: func(ctx context.Context, a hhuactor.Actor, name string, meta eventlog.Metadata) (int64, eventlog.Position, error) {
			res, err := m.d.Commands.AddCategory(ctx, guidecmd.AddCategory{Actor: a, Name: name, Meta: meta})
			return res.Category.ID, res.Position, err
		},
		rename: func(ctx context.Context, a hhuactor.Actor, id int64, name string, meta eventlog.Metadata) (eventlog.Position, error) {
			res, err := m.d.Commands.RenameCategory(ctx, guidecmd.RenameCategory{Actor: a, CategoryID: id, Name: name, Meta: meta})
			return res.Position, err
		},
		remove: func(ctx context.Context, a hhuactor.Actor, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
			held := 0
			if x, err := m.d.Queries.GetCategory(ctx, id); err == nil {
				held = x.Guides
			}
			res, err := m.d.Commands.RemoveCategory(ctx, guidecmd.RemoveCategory{Actor: a, CategoryID: id, Guides: held, Meta: meta})
			return res.Position, err
		},
	}
}

// adminGet: GET /api/admin/hhu/guides/{id}/ → the guide's fields.
func (m *Guides) adminGet(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	return answerOne(c, m.readModel(), m.d.Queries.GetGuide, m.toJSON)
}

// guideForm is a decoded upload or edit; nil fields were absent.
type guideForm struct {
	title    *string
	category *int64
	file     *guides.File
}

// readGuideForm reads title, category and file of a multipart (or JSON, for
// edits without a file) body. required lists the fields that must be there.
// When ok is false the answer (400) was written and err is the write's error.
func (m *Guides) readGuideForm(c echo.Context, required bool) (g guideForm, ok bool, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return g, false, renderError(c, err)
	}
	errs := drf.FieldErrors{}
	if required || f.Has("title") {
		if s, ok := f.Str("title", errs, false); ok {
			g.title = &s
		}
	}
	if n, present := formInt(f, "category", errs, required); present {
		if _, bad := errs["category"]; !bad {
			g.category = &n
		}
	}
	var fh *multipart.FileHeader
	if mf := c.Request().MultipartForm; mf != nil && len(mf.File["file"]) > 0 {
		fh = mf.File["file"][0]
	}
	switch {
	case fh != nil:
		file, err := m.storeFile(fh)
		if err != nil {
			return g, false, renderError(c, err)
		}
		g.file = &file
	case f.Has("file"):
		errs.Add("file", "The submitted data was not a file. Check the encoding type on the form.")
	case required:
		errs.Add("file", "No file was submitted.")
	}
	if len(errs) > 0 {
		return g, false, c.JSON(http.StatusBadRequest, errs)
	}
	return g, true, nil
}

// storeFile puts an uploaded file into the file store and returns its facts.
// A file over the limit is not stored: its facts fail the domain's check.
func (m *Guides) storeFile(fh *multipart.FileHeader) (guides.File, error) {
	name := filepath.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	if name == "." || name == "/" {
		name = ""
	}
	file := guides.File{Name: name, ContentType: uploadType(fh, name), Size: fh.Size}
	if fh.Size == 0 || fh.Size > guides.MaxFileSize {
		return file, guides.CheckFile(file)
	}
	src, err := fh.Open()
	if err != nil {
		return file, err
	}
	defer src.Close()
	data, err := io.ReadAll(io.LimitReader(src, guides.MaxFileSize+1))
	if err != nil {
		return file, err
	}
	file.Size = int64(len(data))
	sum := sha256.Sum256(data)
	file.SHA256 = hex.EncodeToString(sum[:])
	file.Key = "x" // CheckFile needs a key: the real one comes from the store
	if err := guides.CheckFile(file); err != nil {
		return file, err
	}
	if file.Key, err = m.d.Files.Put(data, storeExt(name)); err != nil {
		return file, err
	}
	return file, nil
}

// uploadType is the file's declared content type, else the one its
// extension implies, else application/octet-stream.
func uploadType(fh *multipart.FileHeader, name string) string {
	if ct := fh.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt != "application/octet-stream" {
			return mt
		}
	}
	if mt := mime.TypeByExtension(filepath.Ext(name)); mt != "" {
		return mt
	}
	return "application/octet-stream"
}

// storeExt is the extension the file store keys the file with: the name's,
// lowercased, when it is short and alphanumeric; ".bin" otherwise.
func storeExt(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if len(ext) < 2 || len(ext) > 8 {
		return ".bin"
	}
	for _, r := range ext[1:] {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return ".bin"
		}
	}
	return ext
}

// upload: POST /api/admin/hhu/guides/ multipart {file, title, category} → 201.
func (m *Guides) upload(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	g, ok, err := m.readGuideForm(c, true)
	if !ok {
		return err
	}
	res, err := m.d.Commands.UploadGuide(c.Request().Context(), guidecmd.UploadGuide{Actor: actor(p), Title: *g.title,
		CategoryID: *g.category, File: *g.file, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, guideq.ProjectionName)
	return answerRow(c, m.readModel(), res.Guide.ID, http.StatusCreated, m.d.Queries.GetGuide, m.toJSON)
}

// replace: PUT /api/admin/hhu/guides/{id}/ multipart {file, title, category}.
func (m *Guides) replace(c echo.Context) error { return m.change(c, true) }

// edit: PATCH /api/admin/hhu/guides/{id}/ with any of file, title, category.
func (m *Guides) edit(c echo.Context) error { return m.change(c, false) }

func (m *Guides) change(c echo.Context, full bool) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	g, ok, err := m.readGuideForm(c, full)
	if !ok {
		return err
	}
	res, err := m.d.Commands.ChangeGuide(c.Request().Context(), guidecmd.ChangeGuide{Actor: actor(p), GuideID: id,
		Edit: guides.Edit{Title: g.title, CategoryID: g.category, File: g.file}, Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if errors.Is(err, guides.ErrGuideNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, guideq.ProjectionName)
	return answerRow(c, m.readModel(), id, http.StatusOK, m.d.Queries.GetGuide, m.toJSON)
}

// remove: DELETE /api/admin/hhu/guides/{id}/ → 204.
func (m *Guides) remove(c echo.Context) error {
	return m.kit().remove(c, guides.ErrGuideNotFound, func(ctx context.Context, p authn.Principal, id int64, meta eventlog.Metadata) (eventlog.Position, error) {
		res, err := m.d.Commands.RemoveGuide(ctx, guidecmd.RemoveGuide{Actor: actor(p), GuideID: id, Meta: meta})
		return res.Position, err
	})
}

func (m *Guides) kit() adminKit {
	return adminKit{clock: m.d.Clock, consistency: m.d.Consistency, projection: guideq.ProjectionName}
}

// download: GET /guides/{id} → the file, as an attachment named as uploaded.
func (m *Guides) download(c echo.Context) error {
	if _, ok, err := RequireUser(c); !ok {
		return err
	}
	id, ok := pathID(c)
	if !ok {
		return notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, guideq.ProjectionName)
	g, err := m.d.Queries.GetGuide(c.Request().Context(), id)
	if errors.Is(err, guideq.ErrNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	f, err := m.d.Files.Open(g.FileKey)
	if errors.Is(err, files.ErrNotFound) {
		return notFound(c)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, g.ContentType)
	h.Set(echo.HeaderContentDisposition, AttachmentDisposition(g.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+g.SHA256+`"`)
	http.ServeContent(c.Response(), c.Request(), "", g.UpdatedAt, f)
	return nil
}

// AttachmentDisposition is a Content-Disposition that names the file for
// every client: an ASCII fallback (other characters become "_") and the
// UTF-8 name (RFC 6266 / RFC 5987).
func AttachmentDisposition(name string) string {
	fallback := []rune(name)
	for i, r := range fallback {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			fallback[i] = '_'
		}
	}
	return `attachment; filename="` + string(fallback) + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// email: GET /guides/{id}/email → 202 once the request is in the log; the
// mail worker sends the file to the caller's address. A caller without an
// address gets 400; more than guides.EmailsPerHour requests in an hour 429.
func (m *Guides) email(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	id, ok := pathID(c)
	if !ok {
		return notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, guideq.ProjectionName)
	if _, err := m.d.Queries.GetGuide(c.Request().Context(), id); errors.Is(err, guideq.ErrNotFound) {
		return notFound(c)
	} else if err != nil {
		return renderError(c, err)
	}
	uid, _ := strconv.ParseInt(p.UserID, 10, 64)
	addr, err := m.d.Emails.EmailOf(c.Request().Context(), uid)
	if err != nil {
		return renderError(c, err)
	}
	if strings.TrimSpace(addr) == "" {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"email": {"当前用户没有设置邮箱，无法发送邮件"}})
	}
	res, err := m.d.Commands.RequestEmail(c.Request().Context(), guidecmd.RequestEmail{Actor: actor(p), GuideID: id,
		Meta: httpapi.EventMeta(c, m.d.Clock.Now())})
	if errors.Is(err, guides.ErrGuideNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	c.Response().Header().Set(httpapi.HeaderPosition, res.Position.String())
	return c.JSON(http.StatusAccepted, map[string]any{"detail": "邮件已加入发送队列", "email": addr})
}
