package accounthttp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// currentUser: GET /current-user/ → the caller's basic information.
func (h *Handlers) currentUser(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.d.Users.Me(ctx, identityq.Me{UserID: identity.FormatUserID(httpapi.Actor(c).UserID)})
	if errors.Is(err, identityq.ErrNotFound) {
		return hhu.ErrUserInactive
	}
	if err != nil {
		return err
	}
	socials, err := h.d.Users.SocialAccounts(ctx, identityq.SocialAccounts{UserID: u.ID})
	if err != nil {
		return err
	}
	out := currentUserJSON{ID: u.ID, Username: u.Username, Email: u.Email, IsStaff: u.IsAdmin, DateJoined: u.DateJoined.UTC(),
		HasPassword: u.HasPassword, EmailChecked: u.EmailVerified}
	if !u.LastLogin.IsZero() {
		ll := u.LastLogin.UTC()
		out.LastLogin = &ll
	}
	for _, s := range socials {
		if s.Provider == identity.ProviderWeChat {
			out.WechatBound = true
		}
	}
	return c.JSON(http.StatusOK, out)
}

// currentUserMeta: GET /current-user/meta/ → the caller's address-book
// entry.
func (h *Handlers) currentUserMeta(c echo.Context) error {
	id := httpapi.Actor(c).UserID
	info, err := h.d.Users.ContactInfo(c.Request().Context(), identityq.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, metaOf(id, info))
}

// updateMeta: PUT or PATCH /current-user/meta/ {name, position, department,
// qq, phone, mobile} (PATCH: any of them) → the entry.
func (h *Handlers) updateMeta(c echo.Context) error {
	id := httpapi.Actor(c).UserID
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := h.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	info := identity.ContactInfo{Name: cur.Name, Position: cur.Position, Department: cur.Department, QQ: cur.QQ, Phone: cur.Phone, Mobile: cur.Mobile}
	errs := drf.FieldErrors{}
	partial := c.Request().Method == http.MethodPatch
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"name", &info.Name}, {"position", &info.Position}, {"department", &info.Department}, {"qq", &info.QQ}, {"phone", &info.Phone}, {"mobile", &info.Mobile}} {
		if partial && !f.Has(fld.name) {
			continue
		}
		if !f.Has(fld.name) {
			*fld.dst = ""
			continue
		}
		if v, ok := f.Str(fld.name, errs, true); ok {
			*fld.dst = v
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if _, err := h.d.Accounts.UpdateContactInfo(ctx, identitycmd.UpdateContactInfo{Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
		Actor: httpapi.Actor(c), Info: info}); err != nil {
		return err
	}
	httpapi.Settle(c)
	got, err := h.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, metaOf(id, got))
}
