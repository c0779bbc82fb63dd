package tripshttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/trips"
	identityq "github.com/fiveapis/backend/queries/identity"
	tripsq "github.com/fiveapis/backend/queries/trips"
	"github.com/fiveapis/backend/transport/httpapi/roamio"
)

// authorJSON is a trip's author as the seed and the client read it.
type authorJSON struct {
	ID       int64   `json:"id"`
	Username string  `json:"username"`
	Avatar   *string `json:"avatar"`
}

// statsJSON is the "stats" object the web client reads.
type statsJSON struct {
	Views         int64 `json:"views"`
	Likes         int64 `json:"likes"`
	Checkins      int64 `json:"checkins"`
	CommentsCount int   `json:"comments_count"`
}

// tripJSON is a trip as every answer carries it: the seed's fields and the
// web client's (name, stats, id).
type tripJSON struct {
	ID              int64           `json:"id"`
	Slug            string          `json:"slug"`
	Title           string          `json:"title"`
	Name            string          `json:"name"`
	Description     string          `json:"description"`
	Icon            string          `json:"icon"`
	Author          any             `json:"author"`
	AuthorID        int64           `json:"author_id"`
	StartDate       *string         `json:"start_date"`
	EndDate         *string         `json:"end_date"`
	DaysCount       int             `json:"days_count"`
	Status          string          `json:"status"`
	Visibility      string          `json:"visibility"`
	ThemeColor      string          `json:"theme_color"`
	BackgroundMusic string          `json:"background_music"`
	Config          json.RawMessage `json:"config,omitempty"`
	Overview        json.RawMessage `json:"overview,omitempty"`
	Views           int64           `json:"views"`
	Likes           int64           `json:"likes"`
	Checkins        int64           `json:"checkins"`
	CheckedIn       bool            `json:"checked_in"`
	Liked           bool            `json:"liked"`
	CommentsCount   int             `json:"comments_count"`
	Stats           statsJSON       `json:"stats"`
	IsAuthor        bool            `json:"is_author"`
	ClonedFrom      *int64          `json:"cloned_from"`
	CreatedAt       string          `json:"created_at"`
	UpdatedAt       string          `json:"updated_at"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// view is what one rendering needs besides the trip.
type view struct {
	authors   map[int64]authorJSON
	comments  map[string]int
	checkedIn map[int64]bool
	liked     map[int64]bool
	viewer    int64
	full      bool
}

func (h *Handlers) render(t tripsq.Trip, v view) tripJSON {
	a, ok := v.authors[t.AuthorID]
	if !ok {
		a = authorJSON{ID: t.AuthorID}
	}
	out := tripJSON{ID: t.ID, Slug: t.Slug, Title: t.Title, Name: t.Title, Description: t.Description, Icon: t.Icon,
		Author: a, AuthorID: t.AuthorID, StartDate: orNull(t.StartDate), EndDate: orNull(t.EndDate),
		DaysCount: trips.DaysCount(t.StartDate, t.EndDate), Status: t.Status, Visibility: t.Visibility,
		ThemeColor: t.ThemeColor, BackgroundMusic: t.BackgroundMusic, Views: t.Views, Likes: t.Likes, Checkins: t.Checkins,
		CheckedIn: v.checkedIn[t.ID], Liked: v.liked[t.ID], CommentsCount: v.comments[t.Slug],
		IsAuthor: v.viewer != 0 && v.viewer == t.AuthorID, CreatedAt: stamp(t.CreatedAt), UpdatedAt: stamp(t.UpdatedAt)}
	out.Stats = statsJSON{Views: t.Views, Likes: t.Likes, Checkins: t.Checkins, CommentsCount: out.CommentsCount}
	if t.ClonedFrom != 0 {
		out.ClonedFrom = &t.ClonedFrom
	}
	if v.full {
		out.Config, out.Overview = t.Config, t.Overview
	}
	return out
}

// viewOf gathers the authors, comment counts and the caller's check-ins
// and likes of the trips.
func (h *Handlers) viewOf(c echo.Context, ts []tripsq.Trip, full bool) (view, error) {
	ctx := c.Request().Context()
	caller, uid := h.callerKey(c)
	v := view{authors: map[int64]authorJSON{}, comments: map[string]int{}, checkedIn: map[int64]bool{}, liked: map[int64]bool{},
		viewer: uid, full: full}
	slugs := make([]string, 0, len(ts))
	for _, t := range ts {
		slugs = append(slugs, t.Slug)
		if _, ok := v.authors[t.AuthorID]; !ok {
			a, err := h.author(ctx, c, t.AuthorID)
			if err != nil {
				return v, err
			}
			v.authors[t.AuthorID] = a
		}
	}
	if len(ts) > 0 {
		ids := make([]int64, len(ts))
		for i, t := range ts {
			ids[i] = t.ID
		}
		given, err := h.d.Queries.Reactions(ctx, ids, caller)
		if err != nil {
			return v, err
		}
		for id, kinds := range given {
			v.checkedIn[id], v.liked[id] = kinds[trips.KindCheckin], kinds[trips.KindLike]
		}
	}
	if h.d.Comments != nil && len(slugs) > 0 {
		counts, err := h.d.Comments.CommentCounts(ctx, slugs)
		if err != nil {
			return v, fmt.Errorf("comment counts: %w", err)
		}
		v.comments = counts
	}
	return v, nil
}

func (h *Handlers) author(ctx context.Context, c echo.Context, id int64) (authorJSON, error) {
	a := authorJSON{ID: id}
	if h.d.Users == nil {
		return a, nil
	}
	u, err := h.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
	if errors.Is(err, identityq.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return a, fmt.Errorf("author %d: %w", id, err)
	}
	a.Username = u.Username
	if u.AvatarKey != "" {
		base := h.d.PublicURL
		if base == "" {
			base = c.Scheme() + "://" + c.Request().Host
		}
		s := base + roamio.Prefix + "/media/avatars/" + u.AvatarKey
		a.Avatar = &s
	}
	return a, nil
}

// itemJSON is an itinerary item as the client reads it.
type itemJSON struct {
	ID          int64           `json:"id"`
	Trip        int64           `json:"trip"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	EventTime   *string         `json:"event_time"`
	Location    json.RawMessage `json:"location"`
	Reminder    json.RawMessage `json:"reminder"`
	IsCompleted bool            `json:"is_completed"`
	Status      string          `json:"status"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

func renderItem(it tripsq.Item) itemJSON {
	out := itemJSON{ID: it.ID, Trip: it.TripID, Title: it.Title, Description: it.Description, Location: it.Location,
		Reminder: it.Reminder, IsCompleted: it.Completed, Status: "pending", CreatedAt: stamp(it.CreatedAt), UpdatedAt: stamp(it.UpdatedAt)}
	if it.Completed {
		out.Status = "completed"
	}
	if it.EventTime != nil {
		s := it.EventTime.In(Zone).Format(time.RFC3339)
		out.EventTime = &s
	}
	return out
}

// objectJSON encodes an object for an answer (nil: {}).
func objectJSON(m map[string]any) json.RawMessage {
	if m == nil {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}
