package contactshttp

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	contactscmd "github.com/fiveapis/backend/commands/contacts"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// memberJSON is a member of the staff as admins see them.
type memberJSON struct {
	User         int64      `json:"user"`
	Username     string     `json:"username"`
	Placed       bool       `json:"placed"`
	DepartmentID *int64     `json:"department_id"`
	Department   string     `json:"department"`
	PlacedAt     *time.Time `json:"placed_at"`
	WechatBound  bool       `json:"wechat_bound"`
	IsAdmin      bool       `json:"is_admin"`
	IsMember     bool       `json:"is_member"`
}

func toMemberJSON(m contactsq.Member) memberJSON {
	out := memberJSON{User: m.UserID, Username: m.Username, Placed: m.Placed, DepartmentID: m.DepartmentID, Department: m.Department,
		WechatBound: m.WeChat, IsAdmin: m.Admin, IsMember: m.Placed || m.WeChat || m.Admin}
	if m.PlacedAt != nil {
		t := m.PlacedAt.UTC()
		out.PlacedAt = &t
	}
	return out
}

// listMembers: GET /api/admin/hhu/members/ → every member of the staff,
// placed by an admin, bound through WeChat or an administrator, by user id.
func (h *Handlers) listMembers(c echo.Context) error {
	ms, err := h.d.Queries.ListMembers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(ms, toMemberJSON))
}

// member reads the path's user's membership: hhu.ErrNotFound for no active
// user.
func (h *Handlers) member(c echo.Context) (contactsq.Member, error) {
	id, err := hhu.PathID(c, "user")
	if err != nil {
		return contactsq.Member{}, err
	}
	m, err := h.d.Queries.MemberOf(c.Request().Context(), id)
	if errors.Is(err, contactsq.ErrNotFound) {
		return m, hhu.ErrNotFound
	}
	return m, err
}

// getMember: GET /api/admin/hhu/members/{user}/ → the user's membership
// (is_member false for an account that is none).
func (h *Handlers) getMember(c echo.Context) error {
	m, err := h.member(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMemberJSON(m))
}

// placeMember: PUT /api/admin/hhu/members/{user}/ {department} → 201 when
// the user was not placed before, 200 otherwise, with the membership; 404
// for no active user, 400 naming department for one not in the catalogue.
func (h *Handlers) placeMember(c echo.Context) error {
	m, err := h.member(c)
	if err != nil {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	dept, _ := hhu.FormInt(f, "department", errs, true)
	if err := errs.Err(); err != nil {
		return err
	}
	res, err := h.d.Commands.PlaceMember(c.Request().Context(), contactscmd.PlaceMember{Actor: httpapi.Actor(c), UserID: m.UserID,
		DepartmentID: dept, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	if m, err = h.d.Queries.MemberOf(c.Request().Context(), m.UserID); err != nil {
		return err
	}
	status := http.StatusOK
	if res.New {
		status = http.StatusCreated
	}
	return c.JSON(status, toMemberJSON(m))
}

// dismissMember: DELETE /api/admin/hhu/members/{user}/ → 204; 404 for a
// user no admin placed (a WeChat binding is undone by the user's logout
// from the mini-program, not here).
func (h *Handlers) dismissMember(c echo.Context) error {
	m, err := h.member(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.DismissMember(c.Request().Context(), contactscmd.DismissMember{Actor: httpapi.Actor(c), UserID: m.UserID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
