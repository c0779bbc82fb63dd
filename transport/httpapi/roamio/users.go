package roamio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// Profiles is what the user routes need of the identity commands.
type Profiles interface {
	UpdateProfile(ctx context.Context, cmd identitycmd.UpdateProfile, meta eventlog.Metadata) (eventlog.Position, error)
	ChangeAvatar(ctx context.Context, cmd identitycmd.ChangeAvatar, meta eventlog.Metadata) (eventlog.Position, error)
	CanEditProfile(ctx context.Context, actorID, userID int64) (bool, error)
}

// Directory reads accounts for the user routes (query.Queries).
type Directory interface {
	UserByID(ctx context.Context, q query.UserByID) (query.User, error)
	ListUsers(ctx context.Context, q query.ListUsers) (query.UserPage, error)
	SocialAccounts(ctx context.Context, q query.SocialAccounts) ([]query.SocialAccount, error)
}

// Files stores avatars and serves them back (files.Local).
type Files interface {
	Put(data []byte, ext string) (string, error)
	Serve(c echo.Context) error
}

// AvatarPath is where avatars are served ("<AvatarPath><key>").
const AvatarPath = Prefix + "/media/avatars/"

func (m *Module) mountUsers(g *echo.Group, route func(method, path string, h echo.HandlerFunc)) {
	if m.d.Directory == nil || m.d.Profiles == nil {
		return
	}
	route("GET", "/users/", m.listUsers)
	route("GET", "/users/:id/", m.userDetail)
	route("PATCH", "/users/:id/profile/", m.updateProfile)
	route("POST", "/users/:id/avatar/", m.uploadAvatar)
	if m.d.Files != nil {
		g.GET("/media/avatars/:key", m.d.Files.Serve)
	}
}

func (m *Module) avatarURL(c echo.Context, key string) *string {
	if key == "" {
		return nil
	}
	base := m.d.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	u := base + AvatarPath + key
	return &u
}

type userSummary struct {
	ID               int64        `json:"id"`
	Username         string       `json:"username"`
	Profile          profileBrief `json:"profile"`
	TripsCount       int          `json:"trips_count"`
	PublicTripsCount int          `json:"public_trips_count"`
}

func notFound(c echo.Context) error { return drf.Detail(c, http.StatusNotFound, "Not found.") }

// listUsers: GET /api/v1/users/?page&page_size → DRF page of users.
func (m *Module) listUsers(c echo.Context) error {
	page, size := 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return drf.Detail(c, http.StatusNotFound, "Invalid page.")
		}
		page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, query.MaxPageSize)
		}
	}
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	p, err := m.d.Directory.ListUsers(c.Request().Context(), query.ListUsers{Page: page, PageSize: size})
	if err != nil {
		return err
	}
	if len(p.Users) == 0 && page > 1 {
		return drf.Detail(c, http.StatusNotFound, "Invalid page.")
	}
	results := make([]userSummary, 0, len(p.Users))
	for _, u := range p.Users {
		results = append(results, userSummary{ID: u.ID, Username: u.Username,
			Profile: profileBrief{Avatar: m.avatarURL(c, u.AvatarKey), Bio: u.Bio, Level: defaultLevel}})
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= p.Total {
			return nil
		}
		q := url.Values{"page": {strconv.Itoa(n)}}
		if size != 20 {
			q.Set("page_size", strconv.Itoa(size))
		}
		s := c.Scheme() + "://" + c.Request().Host + Prefix + "/users/?" + q.Encode()
		return &s
	}
	return c.JSON(http.StatusOK, map[string]any{"count": p.Total, "next": link(page + 1), "previous": link(page - 1), "results": results})
}

func (m *Module) userParam(c echo.Context) (query.User, bool, error) {
	id, ok := domain.ParseUserID(c.Param("id"))
	if !ok {
		return query.User{}, false, notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.d.Directory.UserByID(c.Request().Context(), query.UserByID{ID: id})
	if errors.Is(err, query.ErrNotFound) || (err == nil && !u.IsActive) {
		return query.User{}, false, notFound(c)
	}
	if err != nil {
		return query.User{}, false, err
	}
	return u, true, nil
}

type detailProfile struct {
	Avatar           *string `json:"avatar"`
	Bio              string  `json:"bio"`
	Birthday         *string `json:"birthday"`
	Tags             string  `json:"tags"`
	Level            string  `json:"level"`
	VisitedCountries string  `json:"visited_countries"`
}

// userDetail: GET /api/v1/users/{id}/ → the public profile.
func (m *Module) userDetail(c echo.Context) error {
	u, ok, err := m.userParam(c)
	if !ok {
		return err
	}
	var birthday *string
	if u.Birthday != "" {
		b := u.Birthday
		birthday = &b
	}
	return c.JSON(http.StatusOK, map[string]any{
		"id": u.ID, "username": u.Username,
		"profile": detailProfile{Avatar: m.avatarURL(c, u.AvatarKey), Bio: u.Bio, Birthday: birthday, Tags: u.Tags, Level: defaultLevel},
		"trips":   []any{}, "trips_count": 0, "public_trips_count": 0, "comments_count": 0,
		"joined_at": u.DateJoined.UTC().Format(time.RFC3339),
	})
}

// updateProfile: PATCH /api/v1/users/{id}/profile/ {bio, birthday, tags}
// (owner or admin) → {success, message, profile}.
func (m *Module) updateProfile(c echo.Context) error {
	p, ok, err := m.principal(c)
	if !ok {
		return err
	}
	u, ok, err := m.userParam(c)
	if !ok {
		return err
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return renderError(c, err)
	}
	prof := domain.Profile{Bio: u.Bio, Tags: u.Tags, Birthday: u.Birthday}
	errs := drf.FieldErrors{}
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"bio", &prof.Bio}, {"tags", &prof.Tags}, {"birthday", &prof.Birthday}} {
		if f.Has(fld.name) {
			if v, ok := f.Str(fld.name, errs, true); ok {
				*fld.dst = v
			}
		}
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	actor, _ := domain.ParseUserID(p.UserID)
	pos, err := m.d.Profiles.UpdateProfile(c.Request().Context(), identitycmd.UpdateProfile{ActorID: actor, UserID: u.ID, Profile: prof},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	var birthday *string
	if prof.Birthday != "" {
		birthday = &prof.Birthday
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "资料更新成功",
		"profile": map[string]any{"bio": prof.Bio, "birthday": birthday, "tags": prof.Tags}})
}

// avatarTypes are the accepted image types, by sniffed content.
var avatarTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// uploadAvatar: POST /api/v1/users/{id}/avatar/ (multipart "avatar", owner
// or admin, at most 2 MiB, JPEG/PNG/GIF/WebP by content) → {success,
// message, avatar_url}.
func (m *Module) uploadAvatar(c echo.Context) error {
	p, ok, err := m.principal(c)
	if !ok {
		return err
	}
	u, ok, err := m.userParam(c)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	actor, _ := domain.ParseUserID(p.UserID)
	if may, err := m.d.Profiles.CanEditProfile(ctx, actor, u.ID); err != nil {
		return err
	} else if !may {
		return drf.Detail(c, http.StatusForbidden, "You do not have permission to perform this action.")
	}
	if m.d.Files == nil {
		return drf.Detail(c, http.StatusServiceUnavailable, "File storage is not configured.")
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, domain.MaxAvatarBytes+64<<10)
	fh, err := c.FormFile("avatar")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return c.JSON(http.StatusBadRequest, drf.FieldErrors{"avatar": {"文件大小不能超过2MB"}})
		}
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"avatar": {"No file was submitted."}})
	}
	if fh.Size > domain.MaxAvatarBytes {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"avatar": {"文件大小不能超过2MB"}})
	}
	file, err := fh.Open()
	if err != nil {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"avatar": {"Upload a valid image."}})
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, domain.MaxAvatarBytes+1))
	if err != nil || len(data) == 0 || len(data) > domain.MaxAvatarBytes {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"avatar": {"Upload a valid image."}})
	}
	ct := http.DetectContentType(data)
	ext, ok := avatarTypes[ct]
	if !ok {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"avatar": {"只支持 JPG、PNG、GIF、WebP 格式的图片"}})
	}
	key, err := m.d.Files.Put(data, ext)
	if err != nil {
		return err
	}
	pos, err := m.d.Profiles.ChangeAvatar(ctx, identitycmd.ChangeAvatar{ActorID: actor, UserID: u.ID, FileKey: key, ContentType: ct, Size: int64(len(data))},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "头像上传成功", "avatar_url": m.avatarURL(c, key)})
}
