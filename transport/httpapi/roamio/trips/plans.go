package tripshttp

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	tripscmd "github.com/fiveapis/backend/commands/trips"
	"github.com/fiveapis/backend/domain/trips"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// tripParam resolves the path's trip: a slug, the "trip-<id>" fallback or
// a numeric id (the events routes), visible to the caller; anything else
// is 404.
func (h *Handlers) tripParam(c echo.Context) (tripsq.Trip, error) {
	s := c.Param("slug")
	ctx := c.Request().Context()
	var t tripsq.Trip
	err := tripsq.ErrNotFound
	if trips.ValidSlug(s) {
		t, err = h.d.Queries.TripBySlug(ctx, s)
	}
	if errors.Is(err, tripsq.ErrNotFound) {
		idText := strings.TrimPrefix(s, "trip-")
		if id, perr := strconv.ParseInt(idText, 10, 64); perr == nil && id > 0 && len(idText) <= 18 {
			t, err = h.d.Queries.TripByID(ctx, id)
		}
	}
	if errors.Is(err, tripsq.ErrNotFound) {
		return t, trips.ErrTripNotFound
	}
	if err != nil {
		return t, err
	}
	a := httpapi.Actor(c)
	if t.Visibility != trips.VisibilityPublic && !a.Owns(t.AuthorID) && !a.Admin {
		return t, trips.ErrTripNotFound
	}
	return t, nil
}

// readPlan reads a plan's fields as a patch: absent fields nil. The
// editor's read-only fields (id, author, stats, name, slug, …) are
// ignored; "name" stands for the title when no title is sent.
func readPlan(b body) (trips.Patch, error) {
	errs := drf.FieldErrors{}
	p := trips.Patch{
		Title: b.str("title", errs), Description: b.str("description", errs), Icon: b.str("icon", errs),
		StartDate: b.date("start_date", errs), EndDate: b.date("end_date", errs),
		Status: b.str("status", errs), Visibility: b.str("visibility", errs), ThemeColor: b.str("theme_color", errs),
		BackgroundMusic: b.str("background_music", errs),
		Config:          b.object("config", errs), Overview: b.object("overview", errs),
	}
	if p.Title == nil && b.has("name") {
		p.Title = b.str("name", errs)
	}
	return p, errs.Err()
}

// createPlan: POST /trip-plans/ → 201 with the plan (author as its id, as
// the seed answers; slug as the client reads).
func (h *Handlers) createPlan(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	p, err := readPlan(b)
	if err != nil {
		return err
	}
	if p.Title == nil {
		return drf.FieldErrors{"title": {"This field is required."}}
	}
	res, err := h.d.Commands.CreatePlan(c.Request().Context(), tripscmd.CreatePlan{Actor: httpapi.Actor(c),
		Plan: p.Apply(trips.Plan{}), Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	e := res.Created
	out := h.render(fromCreated(e), view{full: true, viewer: e.AuthorID})
	out.Author = e.AuthorID
	return c.JSON(http.StatusCreated, out)
}

// fromCreated is a new plan as the read model will hold it.
func fromCreated(e trips.TripPlanCreated) tripsq.Trip {
	p := e.Plan
	return tripsq.Trip{ID: e.TripID, Slug: e.Slug, AuthorID: e.AuthorID, ClonedFrom: e.ClonedFrom, Title: p.Title,
		Description: p.Description, Icon: p.Icon, StartDate: p.StartDate, EndDate: p.EndDate, Status: p.Status,
		Visibility: p.Visibility, ThemeColor: p.ThemeColor, BackgroundMusic: p.BackgroundMusic,
		Config: objectJSON(p.Config), Overview: objectJSON(p.Overview), CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt}
}

// answerTrip answers the trip as read now (after the request's writes).
func (h *Handlers) answerTrip(c echo.Context, id int64, status int) error {
	httpapi.Settle(c)
	t, err := h.d.Queries.TripByID(c.Request().Context(), id)
	if errors.Is(err, tripsq.ErrNotFound) {
		return trips.ErrTripNotFound
	}
	if err != nil {
		return err
	}
	v, err := h.viewOf(c, []tripsq.Trip{t}, true)
	if err != nil {
		return err
	}
	return c.JSON(status, h.render(t, v))
}

// getPlan: GET /trip-plans/{slug}/ → the plan, if visible (404 otherwise).
func (h *Handlers) getPlan(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	v, err := h.viewOf(c, []tripsq.Trip{t}, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.render(t, v))
}

// getTrip: GET /trips/{slug}/ → the trip, counting the caller's view.
func (h *Handlers) getTrip(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	if err := h.countView(c, t.ID); err != nil {
		return err
	}
	return h.answerTrip(c, t.ID, http.StatusOK)
}

func (h *Handlers) countView(c echo.Context, tripID int64) error {
	caller, _ := h.callerKey(c)
	_, err := h.d.Commands.View(c.Request().Context(), tripscmd.View{TripID: tripID, Caller: caller,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	return err
}

// view: POST /trip-plans/{slug}/view/ → {views}.
func (h *Handlers) view(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	if err := h.countView(c, t.ID); err != nil {
		return err
	}
	return h.answerStats(c, t.ID)
}

// changePlan: PATCH|PUT /trip-plans/{slug}/ → the plan after the edit.
func (h *Handlers) changePlan(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	p, err := readPlan(b)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.ChangePlan(c.Request().Context(), tripscmd.ChangePlan{Actor: httpapi.Actor(c), TripID: t.ID,
		Patch: p, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return h.answerTrip(c, t.ID, http.StatusOK)
}

// deletePlan: DELETE /trip-plans/{slug}/ → 204.
func (h *Handlers) deletePlan(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.DeletePlan(c.Request().Context(), tripscmd.DeletePlan{Actor: httpapi.Actor(c), TripID: t.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// clonePlan: POST /trip-plans/{slug}/clone/ → 201 with the copy.
func (h *Handlers) clonePlan(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.ClonePlan(c.Request().Context(), tripscmd.ClonePlan{Actor: httpapi.Actor(c), TripID: t.ID,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	return h.answerTrip(c, res.Created.TripID, http.StatusCreated)
}

// like: POST /trips/{slug}/like/ (and /trip-plans/{slug}/like/) → {likes,
// liked}; counted once per caller.
func (h *Handlers) like(c echo.Context) error { return h.react(c, trips.KindLike) }

// checkin: POST /trips/{slug}/checkin/ → {checked_in, checkins}.
func (h *Handlers) checkin(c echo.Context) error { return h.react(c, trips.KindCheckin) }

func (h *Handlers) react(c echo.Context, kind string) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	caller, uid := h.callerKey(c)
	res, err := h.d.Commands.React(c.Request().Context(), tripscmd.React{TripID: t.ID, Kind: kind, Caller: caller, UserID: uid,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	httpapi.Settle(c)
	t, err = h.d.Queries.TripByID(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	out := map[string]any{"success": true, "counted": res.Counted, "likes": t.Likes, "checkins": t.Checkins}
	if kind == trips.KindLike {
		out["liked"] = true
	} else {
		out["checked_in"] = true
	}
	return c.JSON(http.StatusOK, out)
}

// stats: GET /trips/{slug}/stats/ → {page, views, likes, checkins,
// checked_in, liked, comments_count}.
func (h *Handlers) stats(c echo.Context) error {
	t, err := h.tripParam(c)
	if err != nil {
		return err
	}
	return h.answerStats(c, t.ID)
}

func (h *Handlers) answerStats(c echo.Context, id int64) error {
	httpapi.Settle(c)
	t, err := h.d.Queries.TripByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v, err := h.viewOf(c, []tripsq.Trip{t}, false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"page": t.Slug, "views": t.Views, "likes": t.Likes, "checkins": t.Checkins,
		"checked_in": v.checkedIn[t.ID], "liked": v.liked[t.ID], "comments_count": v.comments[t.Slug]})
}

// pageParams reads page (from 1) and page_size (default 20, at most 100).
func pageParams(c echo.Context) (page, size int, err error) {
	page, size = 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, errInvalidPage
		}
		page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			size = min(n, tripsq.MaxPageSize)
		}
	}
	return page, size, nil
}

// answerPage answers a DRF page of trips.
func (h *Handlers) answerPage(c echo.Context, ts []tripsq.Trip, total, page, size int, path string) error {
	if len(ts) == 0 && page > 1 {
		return errInvalidPage
	}
	v, err := h.viewOf(c, ts, false)
	if err != nil {
		return err
	}
	results := make([]tripJSON, 0, len(ts))
	for _, t := range ts {
		results = append(results, h.render(t, v))
	}
	link := func(n int) *string {
		if n < 1 || (n-1)*size >= total {
			return nil
		}
		q := url.Values{"page": {strconv.Itoa(n)}}
		if size != 20 {
			q.Set("page_size", strconv.Itoa(size))
		}
		if a := c.QueryParam("author"); a != "" {
			q.Set("author", a)
		}
		s := c.Scheme() + "://" + c.Request().Host + roamio.Prefix + path + "?" + q.Encode()
		return &s
	}
	return c.JSON(http.StatusOK, map[string]any{"count": total, "next": link(page + 1), "previous": link(page - 1), "results": results})
}

// authorParam reads ?author= (0: any).
func authorParam(c echo.Context) (int64, error) {
	v := c.QueryParam("author")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, drf.FieldErrors{"author": {"Enter a valid number."}}
	}
	return n, nil
}

// listTrips: GET /trips/ → a page of public, published trips, newest first.
func (h *Handlers) listTrips(c echo.Context) error { return h.list(c, 0, "/trips/") }

// listPlans: GET /trip-plans/ → the public list and the caller's own plans.
func (h *Handlers) listPlans(c echo.Context) error {
	return h.list(c, httpapi.Actor(c).UserID, "/trip-plans/")
}

func (h *Handlers) list(c echo.Context, viewer int64, path string) error {
	page, size, err := pageParams(c)
	if err != nil {
		return err
	}
	author, err := authorParam(c)
	if err != nil {
		return err
	}
	ts, total, err := h.d.Queries.ListPublicTrips(c.Request().Context(), tripsq.ListPublic{AuthorID: author, Viewer: viewer,
		Offset: (page - 1) * size, Limit: size})
	if err != nil {
		return err
	}
	return h.answerPage(c, ts, total, page, size, path)
}

// myTrips: GET /trip-plans/my_trips/ → a page of the caller's plans.
func (h *Handlers) myTrips(c echo.Context) error {
	page, size, err := pageParams(c)
	if err != nil {
		return err
	}
	ts, total, err := h.d.Queries.MyTrips(c.Request().Context(), httpapi.Actor(c).UserID, (page-1)*size, size)
	if err != nil {
		return err
	}
	return h.answerPage(c, ts, total, page, size, "/trip-plans/my_trips/")
}
