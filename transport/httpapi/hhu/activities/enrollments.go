package activitieshttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	activitiescmd "github.com/fiveapis/backend/commands/activities"
	"github.com/fiveapis/backend/domain/activities"
	activitiesq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// enroll: POST /enrollments/ {activity, answers: {field: value}} → 201 with
// the enrollment, or 400 naming the field: {"answers.phone": ["Enter a valid
// phone number."]}, {"activity": ["该活动报名人数已满"]}, {"non_field_errors":
// ["您已报名该活动"]}, …
func (h *Handlers) enroll(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	if _, answers := b.structured("answers"); !answers && b.Has("participating_metas") {
		return h.enrollWithMetas(c, b)
	}
	errs := drf.FieldErrors{}
	activity, _ := hhu.FormInt(b.Form, "activity", errs, true)
	if _, bad := errs["activity"]; !bad && activity <= 0 {
		errs.Add("activity", hhu.InvalidPK(activity))
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
	if err := errs.Err(); err != nil {
		return err
	}
	return h.enrollIn(c, activity, answers)
}

// enrollIn enrolls the caller in the activity with the answers by field
// name: 201 with the enrollment.
func (h *Handlers) enrollIn(c echo.Context, activity int64, answers map[string]any) error {
	res, err := h.d.Commands.Enroll(c.Request().Context(), activitiescmd.Enroll{
		Actor: httpapi.Actor(c), ActivityID: activity, Answers: answers, Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	})
	if errors.Is(err, activities.ErrNoSuchActivity) {
		return drf.FieldErrors{"activity": {hhu.InvalidPK(activity)}}
	}
	if err != nil {
		return err
	}
	e := res.Enrolled
	return c.JSON(http.StatusCreated, h.toEnrollmentJSON(activitiesq.Enrollment{
		ID: e.EnrollmentID, ActivityID: e.ActivityID, UserID: e.UserID, Answers: e.Answers, CreatedAt: e.EnrolledAt,
	}))
}

// myEnrollments: GET /enrollments/?page= → a page of the caller's
// enrollments, newest first.
func (h *Handlers) myEnrollments(c echo.Context) error {
	uid, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	page, err := pageParam(c)
	if err != nil {
		return err
	}
	list, err := h.d.Queries.MyEnrollments(c.Request().Context(), uid, page)
	if err != nil {
		return err
	}
	out, err := newDRFPage(c, page, list.Count, hhu.RenderRows(list.Items, h.toEnrollmentJSON))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// findEnrollment returns the path's enrollment if the caller may see it:
// their own, or any for an admin; others' are hhu.ErrNotFound, as the
// enrollment is not in their list.
func (h *Handlers) findEnrollment(c echo.Context) (activitiesq.Enrollment, error) {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return activitiesq.Enrollment{}, err
	}
	actor := httpapi.Actor(c)
	e, err := h.d.Queries.GetEnrollment(c.Request().Context(), id)
	if errors.Is(err, activitiesq.ErrNotFound) || err == nil && !actor.Admin && e.UserID != actor.UserID {
		return e, hhu.ErrNotFound
	}
	return e, err
}

// getEnrollment: GET /enrollments/{id}/.
func (h *Handlers) getEnrollment(c echo.Context) error {
	e, err := h.findEnrollment(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toEnrollmentJSON(e))
}

// withdraw: DELETE /enrollments/{id}/ → 204; owner or admin. The place is
// free again.
func (h *Handlers) withdraw(c echo.Context) error {
	e, err := h.findEnrollment(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.Withdraw(c.Request().Context(), activitiescmd.Withdraw{
		Actor: httpapi.Actor(c), ActivityID: e.ActivityID, EnrollmentID: e.ID, Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// enrollWithMetas: POST /enrollments/ {activity, participating_metas} (the
// mini-program: the answers as JSON text keyed as form_metas). The answers
// are checked as 001's; a refusal's message is also in non_field_errors[0]
// (where the client reads it, after activity[0]), an answer's prefixed with
// its key: {"answers.phone": ["Enter a valid phone number."],
// "non_field_errors": ["手机：Enter a valid phone number."]}.
func (h *Handlers) enrollWithMetas(c echo.Context, b body) error {
	errs := drf.FieldErrors{}
	activity, _ := hhu.FormInt(b.Form, "activity", errs, true)
	if _, bad := errs["activity"]; !bad && activity <= 0 {
		errs.Add("activity", hhu.InvalidPK(activity))
	}
	text, _ := b.Str("participating_metas", errs, true)
	if err := errs.Err(); err != nil {
		return hhu.Summarized(err, hhu.SummaryNonField)
	}
	var form []activitiesq.FormField
	switch a, err := h.d.Queries.GetActivity(c.Request().Context(), activity); {
	case err == nil:
		form = a.Form
	case !errors.Is(err, activitiesq.ErrNotFound):
		return err
	}
	answers, ok := answersFromMetas(form, text)
	if !ok {
		return hhu.Summarized(drf.FieldErrors{"participating_metas": {"报名失败：报名表单不合法。"}}, hhu.SummaryNonField)
	}
	err := h.enrollIn(c, activity, answers)
	fields, invalid := drf.FieldsOf(err)
	if !invalid || len(fields["non_field_errors"]) > 0 || len(fields["activity"]) > 0 {
		return hhu.Summarized(err, hhu.SummaryNonField)
	}
	for _, f := range form {
		if msgs := fields["answers."+f.Name]; len(msgs) > 0 {
			out := drf.FieldErrors{}
			for k, v := range fields {
				out[k] = v
			}
			out.Add("", keyOf(form, f.Name)+"："+msgs[0])
			return out
		}
	}
	return hhu.Summarized(err, hhu.SummaryNonField)
}
