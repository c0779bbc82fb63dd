package guideshttp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	guidescmd "github.com/fiveapis/backend/commands/guides"
	"github.com/fiveapis/backend/domain/guides"
	guidesq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// categories serves the categories: every user lists them; admins add,
// rename and remove them. A category that still holds guides cannot be
// removed (409).
func (h *Handlers) categories() hhu.Named[guidesq.Category, categoryJSON] {
	return hhu.Named[guidesq.Category, categoryJSON]{
		List: h.d.Queries.ListCategories, Get: h.d.Queries.GetCategory, NotFound: guidesq.ErrNotFound,
		Render:  toCategoryJSON,
		Written: func(id int64, name string) categoryJSON { return categoryJSON{ID: id, Name: name} },
		Add: func(ctx context.Context, n hhu.NameCommand) (int64, error) {
			res, err := h.d.Commands.AddCategory(ctx, guidescmd.AddCategory{Actor: n.Actor, Name: n.Name, Meta: n.Meta})
			return res.Category.ID, err
		},
		Rename: func(ctx context.Context, n hhu.NameCommand) error {
			_, err := h.d.Commands.RenameCategory(ctx, guidescmd.RenameCategory{Actor: n.Actor, CategoryID: n.ID, Name: n.Name, Meta: n.Meta})
			return err
		},
		Remove: func(ctx context.Context, n hhu.NameCommand) error {
			held := 0
			if x, err := h.d.Queries.GetCategory(ctx, n.ID); err == nil {
				held = x.Guides
			}
			_, err := h.d.Commands.RemoveCategory(ctx, guidescmd.RemoveCategory{Actor: n.Actor, CategoryID: n.ID, Guides: held, Meta: n.Meta})
			return err
		},
		Clock: h.d.Clock,
	}
}

// get: GET /api/admin/hhu/guides/{id}/ → the guide's fields.
func (h *Handlers) get(c echo.Context) error {
	g, err := h.guide(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toJSON(g))
}

// upload: POST /api/admin/hhu/guides/ multipart {file, title, category} → 201.
func (h *Handlers) upload(c echo.Context) error {
	g, err := h.readGuideForm(c, true)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.UploadGuide(c.Request().Context(), guidescmd.UploadGuide{Actor: httpapi.Actor(c), Title: *g.title,
		CategoryID: *g.category, File: *g.file, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return h.answerWritten(c, res.Guide.ID, http.StatusCreated)
}

// replace: PUT /api/admin/hhu/guides/{id}/ multipart {file, title, category}.
func (h *Handlers) replace(c echo.Context) error { return h.change(c, true) }

// edit: PATCH /api/admin/hhu/guides/{id}/ with any of file, title, category.
func (h *Handlers) edit(c echo.Context) error { return h.change(c, false) }

func (h *Handlers) change(c echo.Context, full bool) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	g, err := h.readGuideForm(c, full)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.ChangeGuide(c.Request().Context(), guidescmd.ChangeGuide{Actor: httpapi.Actor(c), GuideID: id,
		Edit: guides.Edit{Title: g.title, CategoryID: g.category, File: g.file}, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return h.answerWritten(c, id, http.StatusOK)
}

// answerWritten answers the guide a command wrote, as the read model shows
// it once it reflects the command.
func (h *Handlers) answerWritten(c echo.Context, id int64, status int) error {
	httpapi.Settle(c)
	g, err := h.guideByID(c, id)
	if err != nil {
		return err
	}
	return c.JSON(status, h.toJSON(g))
}

// remove: DELETE /api/admin/hhu/guides/{id}/ → 204.
func (h *Handlers) remove(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.RemoveGuide(c.Request().Context(), guidescmd.RemoveGuide{Actor: httpapi.Actor(c), GuideID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// guideForm is a decoded upload or edit; nil fields were absent.
type guideForm struct {
	title    *string
	category *int64
	file     *guides.File
}

// readGuideForm reads title, category and file of a multipart (or JSON, for
// edits without a file) body; required: every field must be there. The file
// goes to the file store.
func (h *Handlers) readGuideForm(c echo.Context, required bool) (g guideForm, err error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return g, err
	}
	errs := drf.FieldErrors{}
	if required || f.Has("title") {
		if s, ok := f.Str("title", errs, false); ok {
			g.title = &s
		}
	}
	if n, present := hhu.FormInt(f, "category", errs, required); present {
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
		file, err := h.storeFile(fh)
		if err != nil {
			return g, err
		}
		g.file = &file
	case f.Has("file"):
		errs.Add("file", "The submitted data was not a file. Check the encoding type on the form.")
	case required:
		errs.Add("file", "No file was submitted.")
	}
	return g, errs.Err()
}

// storeFile puts an uploaded file into the file store and returns its facts.
// A file over the limit is not stored: its facts fail the domain's check.
func (h *Handlers) storeFile(fh *multipart.FileHeader) (guides.File, error) {
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
	if file.Key, err = h.d.Files.Put(data, storeExt(name)); err != nil {
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
