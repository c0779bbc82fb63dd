package hhu

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	actcmd "github.com/fiveapis/backend/commands/activities"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
	actq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// ActivityCommands is what the activity routes need of the commands.
type ActivityCommands interface {
	CreateActivity(ctx context.Context, cmd actcmd.CreateActivity) (actcmd.ActivityResult, error)
	ChangeActivity(ctx context.Context, cmd actcmd.ChangeActivity) (actcmd.ActivityResult, error)
	RemoveActivity(ctx context.Context, cmd actcmd.RemoveActivity) (eventlog.Position, error)
	Enroll(ctx context.Context, cmd actcmd.Enroll) (actcmd.EnrollResult, error)
	Withdraw(ctx context.Context, cmd actcmd.Withdraw) (eventlog.Position, error)
}

// ActivityQueries is what the activity routes need of the queries.
type ActivityQueries interface {
	ListActivities(ctx context.Context, l actq.ListActivities) (actq.List[actq.ActivityItem], error)
	GetActivity(ctx context.Context, id int64) (actq.Activity, error)
	EnrollmentOf(ctx context.Context, activityID, userID int64) (actq.Enrollment, error)
	MyEnrollments(ctx context.Context, userID int64, p actq.Page) (actq.List[actq.Enrollment], error)
	GetEnrollment(ctx context.Context, id int64) (actq.Enrollment, error)
	Records(ctx context.Context, activityID int64) ([]actq.Record, error)
}

// ClockInLabels is what the enrollment records need of the clock-in module:
// the labels of the clock-in items each user clocked in at, and the labels of
// an activity's items.
type ClockInLabels interface {
	ClockedLabels(ctx context.Context, activityID int64) (map[int64][]string, error)
	Labels(ctx context.Context, activityID int64) ([]string, error)
}

// ActivityDeps are the ports of the activity routes.
type ActivityDeps struct {
	Commands ActivityCommands
	Queries  ActivityQueries
	// ClockIns serves the records' clock-in labels; nil means no clock-in
	// module: nobody clocked in at anything, and filters are read over no
	// labels.
	ClockIns ClockInLabels
	// ClockInProjections are the projections ClockIns reads, waited for
	// (with X-Min-Position) before the records are read.
	ClockInProjections []string
	Clock              Clock
	// Zone is the time zone of times without an offset and of the answers'
	// times (001: UTC+8).
	Zone        *time.Location
	Consistency httpapi.Consistency
}

// Activities serves 001's activities and enrollments:
//
//	GET    /activities/                            activities, 20 a page, newest first (my=yes, search)
//	GET    /activities/{id}/                       one, with its form and the caller's enrollment
//	GET    /enrollments/                           my enrollments, 20 a page
//	POST   /enrollments/                           enroll {activity, answers}: 201, or 400 naming the field
//	GET    /enrollments/{id}/                      one of mine (admins: any)
//	DELETE /enrollments/{id}/                      withdraw (owner or admin): 204
//	GET    /api/admin/hhu/activities/              activities (admin), 20 a page
//	POST   /api/admin/hhu/activities/              create
//	GET|PUT|PATCH|DELETE /api/admin/hhu/activities/{id}/
//	GET    /api/admin/hhu/activities/{id}/enrollments/  报名记录, with ?filter= over clock-in labels
//
// Every route needs "Authorization: Token <key>" (or any credential authn
// accepts); admin routes the admin role.
type Activities struct {
	d ActivityDeps
}

// NewActivities returns the routes.
func NewActivities(d ActivityDeps) *Activities {
	if d.Zone == nil {
		d.Zone = time.UTC
	}
	return &Activities{d: d}
}

// Mount implements httpapi.Routes. Every path is served with and without its
// trailing slash.
func (m *Activities) Mount(e *echo.Echo) {
	route := func(method, path string, h echo.HandlerFunc) {
		e.Add(method, path, h)
		e.Add(method, strings.TrimSuffix(path, "/"), h)
	}
	route(http.MethodGet, "/activities/", m.listActivities)
	route(http.MethodGet, "/activities/:id/", m.getActivity)
	route(http.MethodGet, "/enrollments/", m.myEnrollments)
	route(http.MethodPost, "/enrollments/", m.enroll)
	route(http.MethodGet, "/enrollments/:id/", m.getEnrollment)
	route(http.MethodDelete, "/enrollments/:id/", m.withdraw)
	route(http.MethodGet, "/api/admin/hhu/activities/", m.adminListActivities)
	route(http.MethodPost, "/api/admin/hhu/activities/", m.createActivity)
	route(http.MethodGet, "/api/admin/hhu/activities/:id/", m.adminGetActivity)
	route(http.MethodPut, "/api/admin/hhu/activities/:id/", m.putActivity)
	route(http.MethodPatch, "/api/admin/hhu/activities/:id/", m.patchActivity)
	route(http.MethodDelete, "/api/admin/hhu/activities/:id/", m.removeActivity)
	route(http.MethodGet, "/api/admin/hhu/activities/:id/enrollments/", m.records)
}

func (m *Activities) ts(t time.Time) string { return t.In(m.d.Zone).Format(time.RFC3339) }

// --- pagination (DRF's PageNumberPagination, 20 a page) ---

// drfPageParam reads ?page= (1 when absent) with contacts' pageNumber. ok
// false: 404 "Invalid page." was answered, as DRF does for a page that is not
// a positive number.
func drfPageParam(c echo.Context) (actq.Page, bool, error) {
	n, ok := pageNumber(c)
	if !ok || n > 1<<30 {
		return actq.Page{}, false, drf.Detail(c, http.StatusNotFound, "Invalid page.")
	}
	return actq.Page{Number: n, Size: actq.DefaultPageSize}, true, nil
}

// drfPage is DRF's paginated answer.
type drfPage[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// newDRFPage builds the answer for page p of count items with absolute next
// and previous links that keep the other query parameters (pageLink). ok
// false: the page is past the last one (404 "Invalid page." was answered).
func newDRFPage[T any](c echo.Context, p actq.Page, count int64, results []T) (drfPage[T], bool, error) {
	if p.Number > 1 && int64(p.Number-1)*int64(p.Size) >= count {
		return drfPage[T]{}, false, drf.Detail(c, http.StatusNotFound, "Invalid page.")
	}
	if results == nil {
		results = []T{}
	}
	return drfPage[T]{Count: count, Results: results,
		Next:     pageLink(c, p.Number+1, p.Size, int(count)),
		Previous: pageLink(c, p.Number-1, p.Size, int(count)),
	}, true, nil
}

// --- answers ---

type formFieldJSON struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices"`
}

type activityJSON struct {
	ID               int64  `json:"id"`
	Title            string `json:"title"`
	Description      string `json:"description"`
	Location         string `json:"location"`
	StartsAt         string `json:"starts_at"`
	EndsAt           string `json:"ends_at"`
	ParticipantLimit int    `json:"participant_limit"`
	EnrollmentOpen   bool   `json:"enrollment_open"`
	EnrolledCount    int    `json:"enrolled_count"`
	// PlacesLeft is null when there is no limit.
	PlacesLeft *int   `json:"places_left"`
	Created    string `json:"created"`
	IsEnrolled bool   `json:"is_enrolled"`
}

// activityDetailJSON is one activity with its form and the caller's
// enrollment (null when none).
type activityDetailJSON struct {
	activityJSON
	Form         []formFieldJSON `json:"form"`
	MyEnrollment *enrollmentJSON `json:"my_enrollment"`
}

func (m *Activities) toActivityJSON(a actq.Activity, enrolled bool) activityJSON {
	return activityJSON{ID: a.ID, Title: a.Title, Description: a.Description, Location: a.Location,
		StartsAt: m.ts(a.StartsAt), EndsAt: m.ts(a.EndsAt), ParticipantLimit: a.ParticipantLimit, EnrollmentOpen: a.EnrollmentOpen,
		EnrolledCount: a.Enrolled, PlacesLeft: a.PlacesLeft(), Created: m.ts(a.CreatedAt), IsEnrolled: enrolled}
}

func (m *Activities) toDetailJSON(a actq.Activity, mine *actq.Enrollment) activityDetailJSON {
	out := activityDetailJSON{activityJSON: m.toActivityJSON(a, mine != nil), Form: make([]formFieldJSON, len(a.Form))}
	for i, f := range a.Form {
		out.Form[i] = formFieldJSON(f)
	}
	if mine != nil {
		e := m.toEnrollmentJSON(*mine)
		out.MyEnrollment = &e
	}
	return out
}

// activityFromState is the answer of a command: the activity as the command left it.
func activityFromState(a activities.Activity) actq.Activity {
	form := make([]actq.FormField, len(a.Form))
	for i, f := range a.Form {
		choices := f.Choices
		if choices == nil {
			choices = []string{}
		}
		form[i] = actq.FormField{Name: f.Name, Label: f.Label, Type: string(f.Type), Required: f.Required, Choices: choices}
	}
	return actq.Activity{ID: a.ID, Title: a.Title, Description: a.Description, Location: a.Location, StartsAt: a.StartsAt,
		EndsAt: a.EndsAt, ParticipantLimit: a.ParticipantLimit, EnrollmentOpen: a.EnrollmentOpen, Form: form,
		Enrolled: a.Enrolled(), CreatedAt: a.CreatedAt}
}

// --- user routes ---

// listActivities: GET /activities/?my=yes|no&search=&page= → a page of
// activities, newest first.
func (m *Activities) listActivities(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	uid, ok, err := callerID(c, p)
	if !ok {
		return err
	}
	return m.writeActivities(c, uid, strings.EqualFold(strings.TrimSpace(c.QueryParam("my")), "yes"))
}

// adminListActivities: GET /api/admin/hhu/activities/?search=&page=.
func (m *Activities) adminListActivities(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	uid, ok, err := callerID(c, p)
	if !ok {
		return err
	}
	return m.writeActivities(c, uid, false)
}

func (m *Activities) writeActivities(c echo.Context, uid int64, mine bool) error {
	page, ok, err := drfPageParam(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, actq.ProjectionName)
	list, err := m.d.Queries.ListActivities(c.Request().Context(), actq.ListActivities{
		UserID: uid, MineOnly: mine, Search: c.QueryParam("search"), Page: page,
	})
	if err != nil {
		return renderError(c, err)
	}
	results := make([]activityJSON, len(list.Items))
	for i, it := range list.Items {
		results[i] = m.toActivityJSON(it.Activity, it.MyEnrollmentID != 0)
	}
	out, ok, err := newDRFPage(c, page, list.Count, results)
	if !ok {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// getActivity: GET /activities/{id}/ → the activity with its form, the
// number enrolled, places left and the caller's enrollment (or null).
func (m *Activities) getActivity(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	return m.writeActivity(c, p)
}

// adminGetActivity: GET /api/admin/hhu/activities/{id}/.
func (m *Activities) adminGetActivity(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	return m.writeActivity(c, p)
}

func (m *Activities) writeActivity(c echo.Context, p authn.Principal) error {
	uid, ok, err := callerID(c, p)
	if !ok {
		return err
	}
	id, ok := pathID(c)
	if !ok {
		return notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, actq.ProjectionName)
	ctx := c.Request().Context()
	a, err := m.d.Queries.GetActivity(ctx, id)
	if errors.Is(err, actq.ErrNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	var mine *actq.Enrollment
	switch e, err := m.d.Queries.EnrollmentOf(ctx, id, uid); {
	case err == nil:
		mine = &e
	case !errors.Is(err, actq.ErrNotFound):
		return renderError(c, err)
	}
	return c.JSON(http.StatusOK, m.toDetailJSON(a, mine))
}

// --- admin routes ---

// activityBody is a request body read once: the DRF form for scalar fields and, for
// JSON bodies, the raw values of structured fields (form, answers). In a
// urlencoded or multipart body a structured field is JSON text.
type activityBody struct {
	drf.Form
	raw map[string]json.RawMessage
}

// readActivityBody reads the request body. When ok is false the answer was written.
func readActivityBody(c echo.Context) (activityBody, bool, error) {
	req := c.Request()
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return activityBody{}, false, drf.Detail(c, http.StatusBadRequest, "JSON parse error - "+err.Error())
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	f, err := drf.ReadForm(c)
	if err != nil {
		return activityBody{}, false, renderError(c, err)
	}
	b := activityBody{Form: f}
	if len(bytes.TrimSpace(data)) > 0 && json.Valid(data) {
		_ = json.Unmarshal(data, &b.raw) // ReadForm checked it is an object
	}
	return b, true, nil
}

// structured returns the raw JSON of a structured field; present is false
// when the body does not carry it.
func (b activityBody) structured(name string) (raw json.RawMessage, present bool) {
	if r, ok := b.raw[name]; ok {
		return r, true
	}
	if b.raw == nil {
		if s, ok := b.Opt(name); ok {
			return json.RawMessage(s), true
		}
	}
	return nil, false
}

// readActivity reads the activity fields of a body; partial leaves absent
// fields nil. When ok is false the answer (400) was written.
func (m *Activities) readActivity(c echo.Context, partial bool) (p activities.Patch, ok bool, err error) {
	b, ok, err := readActivityBody(c)
	if !ok {
		return p, false, err
	}
	errs := drf.FieldErrors{}
	for _, fld := range []struct {
		name       string
		allowBlank bool
		dst        **string
	}{{"title", false, &p.Title}, {"description", true, &p.Description}, {"location", true, &p.Location}} {
		if !b.Has(fld.name) {
			if !partial && !fld.allowBlank {
				errs.Add(fld.name, "This field is required.")
			}
			continue
		}
		if s, ok := b.Str(fld.name, errs, fld.allowBlank); ok {
			*fld.dst = &s
		}
	}
	for _, fld := range []struct {
		name string
		dst  **time.Time
	}{{"starts_at", &p.StartsAt}, {"ends_at", &p.EndsAt}} {
		if !b.Has(fld.name) {
			if !partial {
				errs.Add(fld.name, "This field is required.")
			}
			continue
		}
		s, ok := b.Str(fld.name, errs, false)
		if !ok {
			continue
		}
		t, ok := parseDateTime(s, m.d.Zone)
		if !ok {
			errs.Add(fld.name, dateTimeMessage)
			continue
		}
		*fld.dst = &t
	}
	if n, present := formInt(b.Form, "participant_limit", errs, false); present {
		if _, bad := errs["participant_limit"]; !bad {
			limit := int(max(min(n, activities.MaxParticipantLimit+1), -1)) // the domain names the limit
			p.ParticipantLimit = &limit
		}
	}
	if b.Has("enrollment_open") {
		if v, ok := activityBool(b, "enrollment_open", errs); ok {
			p.EnrollmentOpen = &v
		}
	}
	if raw, present := b.structured("form"); present {
		if form, ok := readEnrollmentForm(raw, errs); ok {
			p.Form = &form
		}
	}
	if len(errs) > 0 {
		return p, false, c.JSON(http.StatusBadRequest, errs)
	}
	return p, true, nil
}

// activityBool reads a BooleanField: JSON true/false or the texts DRF accepts.
func activityBool(b activityBody, name string, errs drf.FieldErrors) (bool, bool) {
	if raw, ok := b.raw[name]; ok {
		var v bool
		if json.Unmarshal(raw, &v) == nil {
			return v, true
		}
	}
	s, _ := b.Opt(name)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on", "t", "y":
		return true, true
	case "false", "0", "no", "off", "f", "n":
		return false, true
	}
	errs.Add(name, "Must be a valid boolean.")
	return false, false
}

// readEnrollmentForm reads an enrollment form: a list of {name, label, type,
// required, choices}. Shape errors name the part ("form[2].choices"); the
// domain checks the content.
func readEnrollmentForm(raw json.RawMessage, errs drf.FieldErrors) ([]activities.Field, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil && !bytes.Equal(bytes.TrimSpace(raw), []byte("[]")) {
		errs.Add("form", "Expected a list of items.")
		return nil, false
	}
	before := len(errs)
	form := make([]activities.Field, len(items))
	for i, item := range items {
		at := "form[" + strconv.Itoa(i) + "]"
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(item, &obj); err != nil || obj == nil {
			errs.Add(at, "Invalid data. Expected a dictionary.")
			continue
		}
		text := func(name string, required bool) string {
			r, ok := obj[name]
			if !ok {
				if required {
					errs.Add(at+"."+name, "This field is required.")
				}
				return ""
			}
			var s string
			if json.Unmarshal(r, &s) != nil {
				errs.Add(at+"."+name, "Not a valid string.")
			}
			return s
		}
		f := activities.Field{Name: text("name", true), Label: text("label", true), Type: activities.FieldType(text("type", true))}
		if r, ok := obj["required"]; ok && json.Unmarshal(r, &f.Required) != nil {
			errs.Add(at+".required", "Must be a valid boolean.")
		}
		if r, ok := obj["choices"]; ok && !bytes.Equal(bytes.TrimSpace(r), []byte("null")) && json.Unmarshal(r, &f.Choices) != nil {
			errs.Add(at+".choices", "Expected a list of strings.")
		}
		form[i] = f
	}
	return form, len(errs) == before
}

// createActivity: POST /api/admin/hhu/activities/ {title, description,
// location, starts_at, ends_at, participant_limit, enrollment_open, form}
// → 201 with the activity.
func (m *Activities) createActivity(c echo.Context) error {
	p, ok, err := requireAdmin(c)
	if !ok {
		return err
	}
	patch, ok, err := m.readActivity(c, false)
	if !ok {
		return err
	}
	spec := activities.Spec{Title: deref(patch.Title), Description: deref(patch.Description), Location: deref(patch.Location),
		StartsAt: *patch.StartsAt, EndsAt: *patch.EndsAt, EnrollmentOpen: true}
	if patch.ParticipantLimit != nil {
		spec.ParticipantLimit = *patch.ParticipantLimit
	}
	if patch.EnrollmentOpen != nil {
		spec.EnrollmentOpen = *patch.EnrollmentOpen
	}
	if patch.Form != nil {
		spec.Form = *patch.Form
	}
	res, err := m.d.Commands.CreateActivity(c.Request().Context(), actcmd.CreateActivity{
		Actor: actor(p), Spec: spec, Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, actq.ProjectionName)
	return c.JSON(http.StatusCreated, m.toDetailJSON(activityFromState(res.Activity), nil))
}

// putActivity: PUT /api/admin/hhu/activities/{id}/ with every required
// field; absent optional fields take their defaults.
func (m *Activities) putActivity(c echo.Context) error { return m.changeActivity(c, false) }

// patchActivity: PATCH /api/admin/hhu/activities/{id}/ with some fields.
func (m *Activities) patchActivity(c echo.Context) error { return m.changeActivity(c, true) }

func (m *Activities) changeActivity(c echo.Context, partial bool) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	patch, ok, err := m.readActivity(c, partial)
	if !ok {
		return err
	}
	if !partial {
		blank, zero, open, none := "", 0, true, []activities.Field{}
		patch.Description = cmp.Or(patch.Description, &blank)
		patch.Location = cmp.Or(patch.Location, &blank)
		patch.ParticipantLimit = cmp.Or(patch.ParticipantLimit, &zero)
		patch.EnrollmentOpen = cmp.Or(patch.EnrollmentOpen, &open)
		patch.Form = cmp.Or(patch.Form, &none)
	}
	res, err := m.d.Commands.ChangeActivity(c.Request().Context(), actcmd.ChangeActivity{
		Actor: actor(p), ActivityID: id, Patch: patch, Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if errors.Is(err, activities.ErrActivityNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, actq.ProjectionName)
	return c.JSON(http.StatusOK, m.toDetailJSON(activityFromState(res.Activity), nil))
}

// removeActivity: DELETE /api/admin/hhu/activities/{id}/ → 204.
func (m *Activities) removeActivity(c echo.Context) error {
	p, id, ok, err := adminTarget(c)
	if !ok {
		return err
	}
	pos, err := m.d.Commands.RemoveActivity(c.Request().Context(), actcmd.RemoveActivity{
		Actor: actor(p), ActivityID: id, Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if errors.Is(err, activities.ErrActivityNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, actq.ProjectionName)
	return c.NoContent(http.StatusNoContent)
}
