package accounts

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// The web client's user routes, next to the seed's (users.go).

// userProfile: GET /api/v1/users/{id}/profile/ (anyone) → the user with
// the profile and the stats object the web client's profile card reads,
// and the seed's top-level counts; the e-mail address only for the user
// and admins.
func (m *Module) userProfile(c echo.Context) error {
	u, err := m.userParam(c)
	if err != nil {
		return err
	}
	counts, err := m.travelCounts(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	stats := statsOf(counts[u.ID])
	avatar := m.avatarURL(c, u.AvatarKey)
	out := profileAnswer{
		ID: u.ID, Username: u.Username, DateJoined: u.DateJoined.UTC(),
		IsAdmin: u.IsAdmin, IsStaff: u.IsAdmin, IsSuperuser: u.IsAdmin,
		Profile: publicProfile{Avatar: avatar, AvatarURL: avatar, Bio: u.Bio, Tags: u.Tags, Level: defaultLevel,
			VisitedCountries: u.VisitedCountries},
		Stats: stats, TripsCount: stats.TripsCount, PublicTripsCount: stats.PublicTripsCount, CommentsCount: stats.CommentsCount,
	}
	if a := httpapi.Actor(c); a.Owns(u.ID) || (a.Authenticated() && a.Admin) {
		out.Email = &u.Email
	}
	return c.JSON(http.StatusOK, out)
}

// userStats: GET /api/v1/users/{id}/stats/ (anyone) → {trips_count,
// public_trips_count, comments_count}.
func (m *Module) userStats(c echo.Context) error {
	u, err := m.userParam(c)
	if err != nil {
		return err
	}
	counts, err := m.travelCounts(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, statsOf(counts[u.ID]))
}

// updateOwnProfile: PATCH or PUT /api/v1/users/update_profile/ {bio, tags,
// visited_countries, birthday} (the caller's own profile; any subset) →
// {success, message, detail, profile}.
func (m *Module) updateOwnProfile(c echo.Context) error {
	u, err := m.d.Directory.UserByID(c.Request().Context(), identityq.UserByID{ID: httpapi.Actor(c).UserID})
	if errors.Is(err, identityq.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return m.editProfile(c, u)
}

// updateUser: PATCH or PUT /api/v1/users/{id}/ {username} (the user
// themself) → {id, username, email}. The address is not changed here: it
// changes only with a verification code (bind_email, change-email:
// email.go).
func (m *Module) updateUser(c echo.Context) error {
	u, err := m.userParam(c)
	if err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	if !actor.Owns(u.ID) {
		return access.ErrForbidden
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return err
	}
	cmd := identitycmd.UpdateAccount{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: actor}
	if f.Has("username") {
		errs := drf.FieldErrors{}
		v, ok := f.Str("username", errs, false)
		if !ok {
			return errs
		}
		cmd.Username = &v
	}
	ctx := c.Request().Context()
	if _, err := m.d.Profiles.UpdateAccount(ctx, cmd); err != nil {
		return err
	}
	httpapi.Settle(c)
	u, err = m.d.Directory.UserByID(ctx, identityq.UserByID{ID: u.ID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "email": u.Email})
}
