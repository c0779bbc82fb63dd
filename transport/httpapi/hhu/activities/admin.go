package activitieshttp

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	activitiescmd "github.com/fiveapis/backend/commands/activities"
	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// createActivity: POST /api/admin/hhu/activities/ {title, description,
// location, starts_at, ends_at, participant_limit, enrollment_open, form}
// → 201 with the activity.
func (h *Handlers) createActivity(c echo.Context) error {
	patch, err := h.readActivity(c, false)
	if err != nil {
		return err
	}
	spec := activities.Spec{Title: hhu.Deref(patch.Title), Description: hhu.Deref(patch.Description), Location: hhu.Deref(patch.Location),
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
	res, err := h.d.Commands.CreateActivity(c.Request().Context(), activitiescmd.CreateActivity{
		Actor: httpapi.Actor(c), Spec: spec, Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.toDetailJSON(activityFromState(res.Activity), nil))
}

// putActivity: PUT /api/admin/hhu/activities/{id}/ with every required
// field; absent optional fields take their defaults.
func (h *Handlers) putActivity(c echo.Context) error { return h.changeActivity(c, false) }

// patchActivity: PATCH /api/admin/hhu/activities/{id}/ with some fields.
func (h *Handlers) patchActivity(c echo.Context) error { return h.changeActivity(c, true) }

func (h *Handlers) changeActivity(c echo.Context, partial bool) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	patch, err := h.readActivity(c, partial)
	if err != nil {
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
	res, err := h.d.Commands.ChangeActivity(c.Request().Context(), activitiescmd.ChangeActivity{
		Actor: httpapi.Actor(c), ActivityID: id, Patch: patch, Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toDetailJSON(activityFromState(res.Activity), nil))
}

// removeActivity: DELETE /api/admin/hhu/activities/{id}/ → 204.
func (h *Handlers) removeActivity(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.RemoveActivity(c.Request().Context(), activitiescmd.RemoveActivity{
		Actor: httpapi.Actor(c), ActivityID: id, Meta: httpapi.EventMeta(c, h.d.Clock.Now()),
	}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// body is a request body read once: the DRF form for scalar fields and, for
// JSON bodies, the raw values of structured fields (form, answers). In a
// urlencoded or multipart body a structured field is JSON text.
type body struct {
	drf.Form
	raw map[string]json.RawMessage
}

// readBody reads the request body.
func readBody(c echo.Context) (body, error) {
	req := c.Request()
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return body{}, drf.ErrUnreadableBody
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	f, err := drf.ReadForm(c)
	if err != nil {
		return body{}, err
	}
	b := body{Form: f}
	if len(bytes.TrimSpace(data)) > 0 && json.Valid(data) {
		_ = json.Unmarshal(data, &b.raw) // ReadForm checked it is an object
	}
	return b, nil
}

// structured returns the raw JSON of a structured field; present is false
// when the body does not carry it.
func (b body) structured(name string) (raw json.RawMessage, present bool) {
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
// fields nil.
func (h *Handlers) readActivity(c echo.Context, partial bool) (p activities.Patch, err error) {
	b, err := readBody(c)
	if err != nil {
		return p, err
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
		t, ok := hhu.ParseDateTime(s, h.d.Zone)
		if !ok {
			errs.Add(fld.name, hhu.DateTimeMessage)
			continue
		}
		*fld.dst = &t
	}
	if n, present := hhu.FormInt(b.Form, "participant_limit", errs, false); present {
		if _, bad := errs["participant_limit"]; !bad {
			limit := int(max(min(n, activities.MaxParticipantLimit+1), -1)) // the domain names the limit
			p.ParticipantLimit = &limit
		}
	}
	if b.Has("enrollment_open") {
		if v, ok := readBool(b, "enrollment_open", errs); ok {
			p.EnrollmentOpen = &v
		}
	}
	if raw, present := b.structured("form"); present {
		if form, ok := readEnrollmentForm(raw, errs); ok {
			p.Form = &form
		}
	}
	return p, errs.Err()
}

// readBool reads a BooleanField: JSON true/false or the texts DRF accepts.
func readBool(b body, name string, errs drf.FieldErrors) (bool, bool) {
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
