package accounts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// Profiles is what the user routes need of the identity commands.
type Profiles interface {
	UpdateProfile(ctx context.Context, cmd identitycmd.UpdateProfile) (identitycmd.Done, error)
	UpdateAccount(ctx context.Context, cmd identitycmd.UpdateAccount) (identitycmd.Done, error)
	BindEmail(ctx context.Context, cmd identitycmd.BindEmail) (identitycmd.Done, error)
	ChangeAvatar(ctx context.Context, cmd identitycmd.ChangeAvatar) (identitycmd.Done, error)
	CanEditProfile(ctx context.Context, actor access.Actor, userID int64) (bool, error)
}

// Directory reads accounts for the user routes (identityq.Queries).
type Directory interface {
	UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error)
	ListUsers(ctx context.Context, q identityq.ListUsers) (identityq.UserPage, error)
	SocialAccounts(ctx context.Context, q identityq.SocialAccounts) ([]identityq.SocialAccount, error)
}

// Files stores avatars and serves them back (files.Local).
type Files interface {
	Put(data []byte, ext string) (string, error)
	Serve(c echo.Context) error
}

// AvatarPath is where avatars are served ("<AvatarPath><key>").
const AvatarPath = roamio.Prefix + "/media/avatars/"

// Refusals of the user routes, in DRF's words.
var (
	errNotFound      = drf.Refusal{Status: http.StatusNotFound, Detail: "Not found."}
	errInvalidPage   = drf.Refusal{Status: http.StatusNotFound, Detail: "Invalid page."}
	errNoFileStorage = drf.Refusal{Status: http.StatusServiceUnavailable, Detail: "File storage is not configured."}
)

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

// listUsers: GET /api/v1/users/?page&page_size → DRF page of users.
func (m *Module) listUsers(c echo.Context) error {
	page, size := 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errInvalidPage
		}
		page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, identityq.MaxPageSize)
		}
	}
	p, err := m.d.Directory.ListUsers(c.Request().Context(), identityq.ListUsers{Page: page, PageSize: size})
	if err != nil {
		return err
	}
	if len(p.Users) == 0 && page > 1 {
		return errInvalidPage
	}
	ids := make([]int64, len(p.Users))
	for i, u := range p.Users {
		ids[i] = u.ID
	}
	counts, err := m.travelCounts(c.Request().Context(), ids...)
	if err != nil {
		return err
	}
	results := make([]userSummary, 0, len(p.Users))
	for _, u := range p.Users {
		results = append(results, userSummary{ID: u.ID, Username: u.Username,
			Profile:    profileBrief{Avatar: m.avatarURL(c, u.AvatarKey), Bio: u.Bio, Level: defaultLevel},
			TripsCount: counts[u.ID].Trips, PublicTripsCount: counts[u.ID].PublicTrips})
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= p.Total {
			return nil
		}
		q := url.Values{"page": {strconv.Itoa(n)}}
		if size != 20 {
			q.Set("page_size", strconv.Itoa(size))
		}
		s := c.Scheme() + "://" + c.Request().Host + roamio.Prefix + "/users/?" + q.Encode()
		return &s
	}
	return c.JSON(http.StatusOK, map[string]any{"count": p.Total, "next": link(page + 1), "previous": link(page - 1), "results": results})
}

// userParam reads the active user the path names (errNotFound otherwise).
func (m *Module) userParam(c echo.Context) (identityq.User, error) {
	id, ok := identity.ParseUserID(c.Param("id"))
	if !ok {
		return identityq.User{}, errNotFound
	}
	u, err := m.d.Directory.UserByID(c.Request().Context(), identityq.UserByID{ID: id})
	if errors.Is(err, identityq.ErrNotFound) || (err == nil && !u.IsActive) {
		return identityq.User{}, errNotFound
	}
	return u, err
}

// userDetail: GET /api/v1/users/{id}/ → the public profile.
func (m *Module) userDetail(c echo.Context) error {
	u, err := m.userParam(c)
	if err != nil {
		return err
	}
	counts, err := m.travelCounts(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	n := counts[u.ID]
	avatar := m.avatarURL(c, u.AvatarKey)
	return c.JSON(http.StatusOK, map[string]any{
		"id": u.ID, "username": u.Username,
		"profile": detailProfile{Avatar: avatar, AvatarURL: avatar, Bio: u.Bio, Birthday: birthdayOf(u.Birthday), Tags: u.Tags,
			Level: defaultLevel, VisitedCountries: u.VisitedCountries},
		// The trips module lists them here once it exists.
		"trips":       []any{},
		"trips_count": n.Trips, "public_trips_count": n.PublicTrips, "comments_count": n.Comments,
		"joined_at": u.DateJoined.UTC().Format(time.RFC3339),
	})
}

// updateProfile: PATCH /api/v1/users/{id}/profile/ {bio, birthday, tags,
// visited_countries} (owner or admin) → {success, message, profile}.
func (m *Module) updateProfile(c echo.Context) error {
	u, err := m.userParam(c)
	if err != nil {
		return err
	}
	return m.editProfile(c, u)
}

// editProfile reads the given profile fields (the others keep their
// value), updates u's profile as the caller and answers {success, message,
// detail, profile}: the seed's answer and the web client's detail.
func (m *Module) editProfile(c echo.Context, u identityq.User) error {
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	prof := identity.Profile{Bio: u.Bio, Tags: u.Tags, Birthday: u.Birthday, VisitedCountries: u.VisitedCountries}
	errs := drf.FieldErrors{}
	for _, fld := range []struct {
		name string
		dst  *string
	}{{"bio", &prof.Bio}, {"tags", &prof.Tags}, {"birthday", &prof.Birthday}, {"visited_countries", &prof.VisitedCountries}} {
		if f.Has(fld.name) {
			if v, ok := f.Str(fld.name, errs, true); ok {
				*fld.dst = v
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if _, err := m.d.Profiles.UpdateProfile(c.Request().Context(), identitycmd.UpdateProfile{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Actor: httpapi.Actor(c), UserID: u.ID, Profile: prof}); err != nil {
		return err
	}
	avatar := m.avatarURL(c, u.AvatarKey)
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "资料更新成功", "detail": "个人资料更新成功",
		"profile": detailProfile{Avatar: avatar, AvatarURL: avatar, Bio: prof.Bio, Birthday: birthdayOf(prof.Birthday), Tags: prof.Tags,
			Level: defaultLevel, VisitedCountries: prof.VisitedCountries}})
}

// uploadAvatar: POST /api/v1/users/{id}/avatar/ and the web client's
// /users/{id}/upload_avatar/ (multipart "avatar", owner
// or admin, at most 2 MiB, a JPEG/PNG/GIF/WebP picture that decodes, of at
// most imagecheck.MaxPixels) → {success, message, detail, avatar_url}.
func (m *Module) uploadAvatar(c echo.Context) error {
	u, err := m.userParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	actor := httpapi.Actor(c)
	if may, err := m.d.Profiles.CanEditProfile(ctx, actor, u.ID); err != nil {
		return err
	} else if !may {
		return access.ErrForbidden
	}
	if m.d.Files == nil {
		return errNoFileStorage
	}
	data, err := readAvatar(c)
	if err != nil {
		return err
	}
	img, err := imagecheck.Check(data, imagecheck.MaxPixels)
	var pixels imagecheck.TooManyPixelsError
	switch {
	case errors.As(err, &pixels):
		return drf.FieldErrors{"avatar": {fmt.Sprintf("图片尺寸过大(%d×%d),最多 %d 像素", pixels.Width, pixels.Height, pixels.Max)}}
	case err != nil:
		return drf.FieldErrors{"avatar": {"Upload a valid image. The file you uploaded was either not an image or a corrupted image."}}
	}
	ct, ext := img.ContentType, img.Ext
	key, err := m.d.Files.Put(data, ext)
	if err != nil {
		return err
	}
	if _, err := m.d.Profiles.ChangeAvatar(ctx, identitycmd.ChangeAvatar{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: actor,
		UserID: u.ID, FileKey: key, ContentType: ct, Size: int64(len(data))}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "头像上传成功", "detail": "头像上传成功", "avatar_url": m.avatarURL(c, key)})
}

// readAvatar reads the multipart "avatar" file: at most 2 MiB, not empty.
func readAvatar(c echo.Context) ([]byte, error) {
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, identity.MaxAvatarBytes+64<<10)
	fh, err := c.FormFile("avatar")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, drf.FieldErrors{"avatar": {"文件大小不能超过2MB"}}
		}
		return nil, drf.FieldErrors{"avatar": {"No file was submitted."}}
	}
	if fh.Size > identity.MaxAvatarBytes {
		return nil, drf.FieldErrors{"avatar": {"文件大小不能超过2MB"}}
	}
	file, err := fh.Open()
	if err != nil {
		return nil, drf.FieldErrors{"avatar": {"Upload a valid image."}}
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, identity.MaxAvatarBytes+1))
	if err != nil || len(data) == 0 || len(data) > identity.MaxAvatarBytes {
		return nil, drf.FieldErrors{"avatar": {"Upload a valid image."}}
	}
	return data, nil
}
