package hhu

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Accounts changes the caller's account (identitycmd.Handlers).
type Accounts interface {
	UpdateContactInfo(ctx context.Context, cmd identitycmd.UpdateContactInfo) (identitycmd.Done, error)
}

// Users reads accounts (query.Queries).
type Users interface {
	Me(ctx context.Context, q query.Me) (query.User, error)
	ContactInfo(ctx context.Context, q query.ContactInfoOf) (query.ContactInfo, error)
	SocialAccounts(ctx context.Context, q query.SocialAccounts) ([]query.SocialAccount, error)
}

func (m *Module) mountCurrentUser(e *echo.Echo) {
	for _, p := range []string{"/current-user/", "/current-user"} {
		e.GET(p, m.currentUser)
	}
	for _, p := range []string{"/current-user/meta/", "/current-user/meta"} {
		e.GET(p, m.currentUserMeta)
		e.PUT(p, m.updateMeta)
		e.PATCH(p, m.updateMeta)
	}
}

type currentUserAnswer struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	Email        string     `json:"email"`
	IsStaff      bool       `json:"is_staff"`
	WechatBound  bool       `json:"wechat_bound"`
	DateJoined   time.Time  `json:"date_joined"`
	LastLogin    *time.Time `json:"last_login"`
	HasPassword  bool       `json:"has_password"`
	EmailChecked bool       `json:"email_verified"`
}

// currentUser: GET /current-user/ → the caller's basic information.
func (m *Module) currentUser(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	ctx := c.Request().Context()
	u, err := m.d.Users.Me(ctx, query.Me{UserID: p.UserID})
	if errors.Is(err, query.ErrNotFound) {
		return drf.Detail(c, http.StatusUnauthorized, "User inactive or deleted.")
	}
	if err != nil {
		return err
	}
	socials, err := m.d.Users.SocialAccounts(ctx, query.SocialAccounts{UserID: u.ID})
	if err != nil {
		return err
	}
	out := currentUserAnswer{ID: u.ID, Username: u.Username, Email: u.Email, IsStaff: u.IsAdmin, DateJoined: u.DateJoined.UTC(),
		HasPassword: u.HasPassword, EmailChecked: u.EmailVerified}
	if !u.LastLogin.IsZero() {
		ll := u.LastLogin.UTC()
		out.LastLogin = &ll
	}
	for _, s := range socials {
		if s.Provider == domain.ProviderWeChat {
			out.WechatBound = true
		}
	}
	return c.JSON(http.StatusOK, out)
}

type metaAnswer struct {
	User       int64  `json:"user"`
	Name       string `json:"name"`
	Position   string `json:"position"`
	Department string `json:"department"`
	QQ         string `json:"qq"`
	Phone      string `json:"phone"`
	Mobile     string `json:"mobile"`
}

func metaOf(id int64, c query.ContactInfo) metaAnswer {
	return metaAnswer{User: id, Name: c.Name, Position: c.Position, Department: c.Department, QQ: c.QQ, Phone: c.Phone, Mobile: c.Mobile}
}

// currentUserMeta: GET /current-user/meta/ → the caller's address-book
// entry.
func (m *Module) currentUserMeta(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	id, _ := domain.ParseUserID(p.UserID)
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	info, err := m.d.Users.ContactInfo(c.Request().Context(), query.ContactInfoOf{UserID: id})
	if err != nil {
		return renderError(c, err)
	}
	return c.JSON(http.StatusOK, metaOf(id, info))
}

// updateMeta: PUT or PATCH /current-user/meta/ {name, position, department,
// qq, phone, mobile} (PATCH: any of them) → the entry.
func (m *Module) updateMeta(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	id, _ := domain.ParseUserID(p.UserID)
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	ctx := c.Request().Context()
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	cur, err := m.d.Users.ContactInfo(ctx, query.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	info := domain.ContactInfo{Name: cur.Name, Position: cur.Position, Department: cur.Department, QQ: cur.QQ, Phone: cur.Phone, Mobile: cur.Mobile}
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
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	updated, err := m.d.Accounts.UpdateContactInfo(ctx, identitycmd.UpdateContactInfo{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.Actor(c), Info: info})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, updated.Position, query.ProjectionName)
	got, err := m.d.Users.ContactInfo(ctx, query.ContactInfoOf{UserID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, metaOf(id, got))
}
