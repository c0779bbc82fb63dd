package accounthttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// currentUserMeta: GET /current-user/meta/ → the caller's address-book
// entry; to the mini-program (hhu.MiniProgram) in its names, where phone is
// the mobile.
func (h *Handlers) currentUserMeta(c echo.Context) error {
	id := httpapi.Actor(c).UserID
	info, err := h.d.Users.ContactInfo(c.Request().Context(), identityq.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	return h.answerMeta(c, id, info)
}

// answerMeta answers the entry in the shape the request asks for.
func (h *Handlers) answerMeta(c echo.Context, id int64, info identityq.ContactInfo) error {
	if !hhu.MiniProgram(c) {
		return c.JSON(http.StatusOK, metaOf(id, info))
	}
	ctx := c.Request().Context()
	u, err := h.d.Users.Me(ctx, identityq.Me{UserID: identity.FormatUserID(id)})
	if err != nil {
		return err
	}
	dept, err := h.department(ctx, info.Department)
	if err != nil {
		return err
	}
	joined := u.DateJoined.UTC()
	return c.JSON(http.StatusOK, miniProgramMetaJSON{
		User: id, UserMeta: hhu.UserJSON{ID: id, Username: u.Username, FirstName: info.FirstName, LastName: info.LastName, Email: u.Email,
			IsStaff: u.IsAdmin, IsActive: u.IsActive, DateJoined: &joined, Groups: []int64{}, Department: dept},
		Post: info.Position, QQ: info.QQ, WeChat: info.WeChat, Tel: info.Phone, Phone: info.Mobile, Description: info.Description,
		Fullname: info.Name, Alpha: hhu.Alpha(info.LastName, info.Name),
		Name: info.Name, Position: info.Position, Department: info.Department, Mobile: info.Mobile,
	})
}

// updateMeta: PUT or PATCH /current-user/meta/ → the entry. 001's request
// {name, position, department, qq, phone, mobile} (PATCH: any of them; PUT
// clears the absent ones), wechat and description kept unless given. The
// mini-program's PUT (hhu.MiniProgram) is the entry it read, edited, in the
// original's names {post, qq, wechat, tel, phone (the mobile),
// description}: those it carries are set, the rest kept (what it echoes of
// 001's names is ignored).
func (h *Handlers) updateMeta(c echo.Context) error {
	id := httpapi.Actor(c).UserID
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	info, err := h.entryOf(ctx, id)
	if err != nil {
		return err
	}
	type field struct {
		name    string
		dst     *string
		clearIt bool // a PUT without it clears it
	}
	fields := []field{{"name", &info.Name, true}, {"position", &info.Position, true}, {"department", &info.Department, true},
		{"qq", &info.QQ, true}, {"phone", &info.Phone, true}, {"mobile", &info.Mobile, true},
		{"wechat", &info.WeChat, false}, {"description", &info.Description, false}}
	partial := c.Request().Method == http.MethodPatch
	miniProgram := hhu.MiniProgram(c)
	if miniProgram {
		// The original's fields are nullable: null clears them.
		fields = []field{{"post", &info.Position, false}, {"qq", &info.QQ, false}, {"wechat", &info.WeChat, false},
			{"tel", &info.Phone, false}, {"phone", &info.Mobile, false}, {"description", &info.Description, false}}
	}
	errs := drf.FieldErrors{}
	for _, fld := range fields {
		switch {
		case !f.Has(fld.name) && (partial || !fld.clearIt):
		case !f.Has(fld.name):
			*fld.dst = ""
		case miniProgram && f.IsNull(fld.name):
			*fld.dst = ""
		default:
			if v, ok := f.Str(fld.name, errs, true); ok {
				*fld.dst = v
			}
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if err := h.saveEntry(c, info); err != nil {
		return err
	}
	httpapi.Settle(c)
	got, err := h.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	return h.answerMeta(c, id, got)
}
