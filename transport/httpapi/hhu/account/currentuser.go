package accounthttp

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// currentUser: GET /current-user/ → the caller's account: 001's fields and
// the original's the mini-program reads (first_name, last_name, department).
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
	info, err := h.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: u.ID})
	if err != nil {
		return err
	}
	out := currentUserJSON{ID: u.ID, Username: u.Username, Email: u.Email, IsStaff: u.IsAdmin, DateJoined: u.DateJoined.UTC(),
		HasPassword: u.HasPassword, EmailChecked: u.EmailVerified, FirstName: info.FirstName, LastName: info.LastName,
		IsActive: u.IsActive, Groups: []int64{}}
	if !u.LastLogin.IsZero() {
		ll := u.LastLogin.UTC()
		out.LastLogin = &ll
	}
	for _, s := range socials {
		if s.Provider == identity.ProviderWeChat {
			out.WechatBound = true
		}
	}
	if h.d.Staff != nil {
		if out.Department, err = h.department(ctx, info.Department); err != nil {
			return err
		}
		if out.IsMember, err = h.d.Staff.IsMember(ctx, u.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, out)
}

// department is the department an entry's text names by id (nil for text
// that is no id, or the id of none).
func (h *Handlers) department(ctx context.Context, text string) (*hhu.DepartmentJSON, error) {
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 || h.d.Staff == nil {
		return nil, nil
	}
	d, err := h.d.Staff.GetDepartment(ctx, id)
	if errors.Is(err, contactsq.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &hhu.DepartmentJSON{ID: d.ID, Name: d.Name}, nil
}

// entryOf is the caller's address-book entry as stored (the zero entry
// when none).
func (h *Handlers) entryOf(ctx context.Context, id int64) (identity.ContactInfo, error) {
	cur, err := h.d.Users.ContactInfo(ctx, identityq.ContactInfoOf{UserID: id})
	return identity.ContactInfo{Name: cur.Name, Position: cur.Position, Department: cur.Department, QQ: cur.QQ, Phone: cur.Phone,
		Mobile: cur.Mobile, FirstName: cur.FirstName, LastName: cur.LastName, WeChat: cur.WeChat, Description: cur.Description}, err
}

// saveEntry records the caller's entry.
func (h *Handlers) saveEntry(c echo.Context, info identity.ContactInfo) error {
	_, err := h.d.Accounts.UpdateContactInfo(c.Request().Context(), identitycmd.UpdateContactInfo{Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
		Actor: httpapi.Actor(c), Info: info})
	return err
}
