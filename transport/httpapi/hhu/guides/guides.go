package guideshttp

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	guidescmd "github.com/fiveapis/backend/commands/guides"
	guidesq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// list: GET /guides/?category=<id>&search= (and the admin's
// /api/admin/hhu/guides/) → the guides, by category then title; search
// keeps the titles that contain it (the mini-program's search box). To the
// mini-program (hhu.MiniProgram) the category is an object.
func (h *Handlers) list(c echo.Context) error {
	errs := drf.FieldErrors{}
	category, _ := hhu.QueryInt(c, "category", errs)
	if len([]rune(c.QueryParam("search"))) > 100 {
		errs.Add("search", "Ensure this field has no more than 100 characters.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	gs, err := h.d.Queries.ListGuides(c.Request().Context(), category, c.QueryParam("search"))
	if err != nil {
		return err
	}
	if hhu.MiniProgram(c) {
		return c.JSON(http.StatusOK, hhu.RenderRows(gs, h.toMiniProgramJSON))
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(gs, h.toJSON))
}

// guide reads the guide the path's {id} names.
func (h *Handlers) guide(c echo.Context) (guidesq.Guide, error) {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return guidesq.Guide{}, err
	}
	return h.guideByID(c, id)
}

// guideByID reads a guide: hhu.ErrNotFound when the read model does not
// hold it.
func (h *Handlers) guideByID(c echo.Context, id int64) (guidesq.Guide, error) {
	g, err := h.d.Queries.GetGuide(c.Request().Context(), id)
	if errors.Is(err, guidesq.ErrNotFound) {
		return g, hhu.ErrNotFound
	}
	return g, err
}

// download: GET /guides/{id} → the file, as an attachment named as uploaded.
func (h *Handlers) download(c echo.Context) error {
	g, err := h.guide(c)
	if err != nil {
		return err
	}
	f, err := h.d.Files.Open(g.FileKey)
	if errors.Is(err, fs.ErrNotExist) {
		return hhu.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, g.ContentType)
	hd.Set(echo.HeaderContentDisposition, AttachmentDisposition(g.FileName))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", `"`+g.SHA256+`"`)
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

// email: POST /guides/{id}/email/ → 200 {"detail": "邮件已加入发送队列",
// "email": …} once the request is in the log (queued, not sent, as 001
// says); the mail reaction sends the file to the caller's address. A caller
// without an address gets 400 naming email, with the message in detail too
// (where the mini-program reads it); more than guides.EmailsPerHour requests
// in an hour 429.
func (h *Handlers) email(c echo.Context) error {
	g, err := h.guide(c)
	if err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	addr, err := h.d.Emails.EmailOf(c.Request().Context(), actor.UserID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(addr) == "" {
		return hhu.Summarized(drf.FieldErrors{"email": {"当前用户没有设置邮箱，无法发送邮件"}}, hhu.SummaryDetail)
	}
	if _, err := h.d.Commands.RequestEmail(c.Request().Context(), guidescmd.RequestEmail{Actor: actor, GuideID: g.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, emailQueued{Detail: "邮件已加入发送队列", Email: addr})
}

// emailByGet: GET /guides/{id}/email/ → DRF's 405 with Allow: a GET is a
// link anyone can be made to follow (a prefetch, an image tag), so it must
// never send mail; 001 documents GET, its client sends POST.
func emailByGet(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderAllow, "POST, OPTIONS")
	return drf.Refusal{Status: http.StatusMethodNotAllowed, Detail: `Method "GET" not allowed.`}
}
