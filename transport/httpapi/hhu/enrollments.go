package hhu

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	actcmd "github.com/fiveapis/backend/commands/activities"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/enrollment"
	actq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

type enrollmentJSON struct {
	ID       int64          `json:"id"`
	Activity int64          `json:"activity"`
	User     int64          `json:"user"`
	Answers  map[string]any `json:"answers"`
	Created  string         `json:"created"`
}

func (m *Activities) toEnrollmentJSON(e actq.Enrollment) enrollmentJSON {
	answers := e.Answers
	if answers == nil {
		answers = map[string]any{}
	}
	return enrollmentJSON{ID: e.ID, Activity: e.ActivityID, User: e.UserID, Answers: answers, Created: m.ts(e.CreatedAt)}
}

// enroll: POST /enrollments/ {activity, answers: {field: value}} → 201 with
// the enrollment, or 400 naming the field: {"answers.phone": ["Enter a valid
// phone number."]}, {"activity": ["该活动报名人数已满"]}, {"non_field_errors":
// ["您已报名该活动"]}, …
func (m *Activities) enroll(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	b, ok, err := readActivityBody(c)
	if !ok {
		return err
	}
	errs := drf.FieldErrors{}
	activity, _ := formInt(b.Form, "activity", errs, true)
	if _, bad := errs["activity"]; !bad && activity <= 0 {
		errs.Add("activity", noSuchActivityMessage(activity))
	}
	answers := map[string]any{}
	if raw, present := b.structured("answers"); present && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&answers); err != nil || answers == nil {
			answers = map[string]any{}
			errs.Add("answers", "Expected a dictionary of items.")
		}
	}
	if len(errs) > 0 {
		return c.JSON(http.StatusBadRequest, errs)
	}
	res, err := m.d.Commands.Enroll(c.Request().Context(), actcmd.Enroll{
		Actor: actor(p), ActivityID: activity, Answers: answers, Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if errors.Is(err, activities.ErrNoSuchActivity) {
		return c.JSON(http.StatusBadRequest, drf.FieldErrors{"activity": {noSuchActivityMessage(activity)}})
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, res.Position, actq.ProjectionName)
	e := res.Enrolled
	return c.JSON(http.StatusCreated, m.toEnrollmentJSON(actq.Enrollment{
		ID: e.EnrollmentID, ActivityID: e.ActivityID, UserID: e.UserID, Answers: e.Answers, CreatedAt: e.EnrolledAt,
	}))
}

// noSuchActivityMessage is DRF's PrimaryKeyRelatedField message.
func noSuchActivityMessage(id int64) string {
	return `Invalid pk "` + strconv.FormatInt(id, 10) + `" - object does not exist.`
}

// myEnrollments: GET /enrollments/?page= → a page of the caller's
// enrollments, newest first.
func (m *Activities) myEnrollments(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	uid, ok, err := callerID(c, p)
	if !ok {
		return err
	}
	page, ok, err := drfPageParam(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, actq.ProjectionName)
	list, err := m.d.Queries.MyEnrollments(c.Request().Context(), uid, page)
	if err != nil {
		return renderError(c, err)
	}
	results := make([]enrollmentJSON, len(list.Items))
	for i, e := range list.Items {
		results[i] = m.toEnrollmentJSON(e)
	}
	out, ok, err := newDRFPage(c, page, list.Count, results)
	if !ok {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// findEnrollment returns an enrollment the caller may see: their own, or any
// for an admin. ok false: 404 was answered.
func (m *Activities) findEnrollment(c echo.Context, userID string, isAdmin bool) (actq.Enrollment, bool, error) {
	id, ok := pathID(c)
	if !ok {
		return actq.Enrollment{}, false, notFound(c)
	}
	m.d.Consistency.BeforeQuery(c, actq.ProjectionName)
	e, err := m.d.Queries.GetEnrollment(c.Request().Context(), id)
	if errors.Is(err, actq.ErrNotFound) || err == nil && !isAdmin && strconv.FormatInt(e.UserID, 10) != userID {
		return e, false, notFound(c)
	}
	if err != nil {
		return e, false, renderError(c, err)
	}
	return e, true, nil
}

// getEnrollment: GET /enrollments/{id}/.
func (m *Activities) getEnrollment(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	e, ok, err := m.findEnrollment(c, p.UserID, p.IsAdmin)
	if !ok {
		return err
	}
	return c.JSON(http.StatusOK, m.toEnrollmentJSON(e))
}

// withdraw: DELETE /enrollments/{id}/ → 204; owner or admin. Other users get
// 404, as the enrollment is not in their list. The place is free again.
func (m *Activities) withdraw(c echo.Context) error {
	p, ok, err := RequireUser(c)
	if !ok {
		return err
	}
	e, ok, err := m.findEnrollment(c, p.UserID, p.IsAdmin)
	if !ok {
		return err
	}
	pos, err := m.d.Commands.Withdraw(c.Request().Context(), actcmd.Withdraw{
		Actor: actor(p), ActivityID: e.ActivityID, EnrollmentID: e.ID, Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
	})
	if errors.Is(err, activities.ErrEnrollmentNotFound) {
		return notFound(c)
	}
	if err != nil {
		return renderError(c, err)
	}
	m.d.Consistency.AfterCommand(c, pos, actq.ProjectionName)
	return c.NoContent(http.StatusNoContent)
}

type enrolleeJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Mobile   string `json:"mobile"`
	Phone    string `json:"phone"`
}

// enrollmentRecordJSON is a line of the 报名记录: the enrollment, its user's contact
// and the labels of the clock-in items the user clocked in at.
type enrollmentRecordJSON struct {
	ID       int64          `json:"id"`
	Activity int64          `json:"activity"`
	User     enrolleeJSON   `json:"user"`
	Answers  map[string]any `json:"answers"`
	Created  string         `json:"created"`
	ClockIns []string       `json:"clockins"`
}

// enrollmentRecordsJSON is a page of records with the filter as read: FilterError
// says which part of a malformed filter could not be read (the filter then
// matches no record); Labels are the activity's clock-in labels a filter may
// name.
type enrollmentRecordsJSON struct {
	drfPage[enrollmentRecordJSON]
	Filter      string   `json:"filter"`
	FilterError *string  `json:"filter_error"`
	Labels      []string `json:"labels"`
}

// records: GET /api/admin/hhu/activities/{id}/enrollments/?filter=&page= →
// the activity's enrollment records (报名记录) that match the filter
// expression over their clock-in labels ("签到了但未签退"), 20 a page. A
// malformed filter is not an error: it matches nothing, and filter_error
// says why.
func (m *Activities) records(c echo.Context) error {
	if _, ok, err := requireAdmin(c); !ok {
		return err
	}
	id, ok := pathID(c)
	if !ok {
		return notFound(c)
	}
	page, ok, err := drfPageParam(c)
	if !ok {
		return err
	}
	m.d.Consistency.BeforeQuery(c, actq.ProjectionName)
	if len(m.d.ClockInProjections) > 0 {
		m.d.Consistency.BeforeQuery(c, m.d.ClockInProjections...)
	}
	ctx := c.Request().Context()
	if _, err := m.d.Queries.GetActivity(ctx, id); errors.Is(err, actq.ErrNotFound) {
		return notFound(c)
	} else if err != nil {
		return renderError(c, err)
	}
	expr := c.QueryParam("filter")
	filter := enrollment.Compile(expr)
	recs, err := m.d.Queries.Records(ctx, id)
	if err != nil {
		return renderError(c, err)
	}
	clocked, labels := map[int64][]string{}, []string{}
	if m.d.ClockIns != nil {
		if clocked, err = m.d.ClockIns.ClockedLabels(ctx, id); err != nil {
			return renderError(c, err)
		}
		if labels, err = m.d.ClockIns.Labels(ctx, id); err != nil {
			return renderError(c, err)
		}
	}
	matched := make([]enrollmentRecordJSON, 0, len(recs))
	for _, r := range recs {
		got := slices.Clone(clocked[r.UserID])
		if !filter.MatchLabels(got...) {
			continue
		}
		if got == nil {
			got = []string{}
		}
		slices.Sort(got)
		answers := r.Answers
		if answers == nil {
			answers = map[string]any{}
		}
		matched = append(matched, enrollmentRecordJSON{ID: r.ID, Activity: r.ActivityID, Answers: answers, Created: m.ts(r.CreatedAt), ClockIns: got,
			User: enrolleeJSON{ID: r.UserID, Username: r.User.Username, Email: r.User.Email, Name: r.User.Name, Mobile: r.User.Mobile, Phone: r.User.Phone}})
	}
	from := min(int64(page.Number-1)*int64(page.Size), int64(len(matched)))
	to := min(from+int64(page.Size), int64(len(matched)))
	pg, ok, err := newDRFPage(c, page, int64(len(matched)), matched[from:to])
	if !ok {
		return err
	}
	out := enrollmentRecordsJSON{drfPage: pg, Filter: expr, Labels: labels}
	if ferr := filter.Err(); ferr != nil {
		msg := strings.TrimPrefix(ferr.Error(), "enrollment: ")
		out.FilterError = &msg
	}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	return c.JSON(http.StatusOK, out)
}
