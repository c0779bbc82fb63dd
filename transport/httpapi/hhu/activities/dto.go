package activitieshttp

import (
	"time"

	"github.com/fiveapis/backend/domain/activities"
	activitiesq "github.com/fiveapis/backend/queries/activities"
)

func (h *Handlers) ts(t time.Time) string { return t.In(h.d.Zone).Format(time.RFC3339) }

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
	// The original's names, which the mini-program reads: name, time_start,
	// time_end, open_for_enrollment, enrollment_count, my_enrollment_count
	// (0 or 1), participants_total_limit (null: no limit) and form_metas
	// (the form as JSON text, metas.go).
	Name                   string `json:"name"`
	TimeStart              string `json:"time_start"`
	TimeEnd                string `json:"time_end"`
	OpenForEnrollment      bool   `json:"open_for_enrollment"`
	EnrollmentCount        int    `json:"enrollment_count"`
	MyEnrollmentCount      int    `json:"my_enrollment_count"`
	ParticipantsTotalLimit *int   `json:"participants_total_limit"`
	FormMetas              string `json:"form_metas"`
}

// activityDetailJSON is one activity with its form and the caller's
// enrollment (null when none).
type activityDetailJSON struct {
	activityJSON
	Form         []formFieldJSON `json:"form"`
	MyEnrollment *enrollmentJSON `json:"my_enrollment"`
}

func (h *Handlers) toActivityJSON(a activitiesq.Activity, enrolled bool) activityJSON {
	out := activityJSON{ID: a.ID, Title: a.Title, Description: a.Description, Location: a.Location,
		StartsAt: h.ts(a.StartsAt), EndsAt: h.ts(a.EndsAt), ParticipantLimit: a.ParticipantLimit, EnrollmentOpen: a.EnrollmentOpen,
		EnrolledCount: a.Enrolled, PlacesLeft: a.PlacesLeft(), Created: h.ts(a.CreatedAt), IsEnrolled: enrolled,
		Name: a.Title, TimeStart: h.ts(a.StartsAt), TimeEnd: h.ts(a.EndsAt), OpenForEnrollment: a.EnrollmentOpen,
		EnrollmentCount: a.Enrolled, FormMetas: formMetasText(a.Form)}
	if enrolled {
		out.MyEnrollmentCount = 1
	}
	if a.ParticipantLimit > 0 {
		limit := a.ParticipantLimit
		out.ParticipantsTotalLimit = &limit
	}
	return out
}

func (h *Handlers) toDetailJSON(a activitiesq.Activity, mine *activitiesq.Enrollment) activityDetailJSON {
	out := activityDetailJSON{activityJSON: h.toActivityJSON(a, mine != nil), Form: make([]formFieldJSON, len(a.Form))}
	for i, f := range a.Form {
		out.Form[i] = formFieldJSON(f)
	}
	if mine != nil {
		e := h.toEnrollmentJSON(*mine)
		out.MyEnrollment = &e
	}
	return out
}

// activityFromState is the answer of a command: the activity as the command
// left it.
func activityFromState(a activities.Activity) activitiesq.Activity {
	form := make([]activitiesq.FormField, len(a.Form))
	for i, f := range a.Form {
		choices := f.Choices
		if choices == nil {
			choices = []string{}
		}
		form[i] = activitiesq.FormField{Name: f.Name, Label: f.Label, Type: string(f.Type), Required: f.Required, Choices: choices}
	}
	return activitiesq.Activity{ID: a.ID, Title: a.Title, Description: a.Description, Location: a.Location, StartsAt: a.StartsAt,
		EndsAt: a.EndsAt, ParticipantLimit: a.ParticipantLimit, EnrollmentOpen: a.EnrollmentOpen, Form: form,
		Enrolled: a.Enrolled(), CreatedAt: a.CreatedAt}
}

type enrollmentJSON struct {
	ID       int64          `json:"id"`
	Activity int64          `json:"activity"`
	User     int64          `json:"user"`
	Answers  map[string]any `json:"answers"`
	Created  string         `json:"created"`
}

func (h *Handlers) toEnrollmentJSON(e activitiesq.Enrollment) enrollmentJSON {
	answers := e.Answers
	if answers == nil {
		answers = map[string]any{}
	}
	return enrollmentJSON{ID: e.ID, Activity: e.ActivityID, User: e.UserID, Answers: answers, Created: h.ts(e.CreatedAt)}
}

type enrolleeJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Mobile   string `json:"mobile"`
	Phone    string `json:"phone"`
}

// recordJSON is a line of the 报名记录: the enrollment, its user's contact
// and the labels of the clock-in items the user clocked in at.
type recordJSON struct {
	ID       int64          `json:"id"`
	Activity int64          `json:"activity"`
	User     enrolleeJSON   `json:"user"`
	Answers  map[string]any `json:"answers"`
	Created  string         `json:"created"`
	ClockIns []string       `json:"clockins"`
}

// recordsJSON is a page of records with the filter as read: FilterError
// says which part of a malformed filter could not be read (the filter then
// matches no record); Labels are the activity's clock-in labels a filter may
// name.
type recordsJSON struct {
	drfPage[recordJSON]
	Filter      string   `json:"filter"`
	FilterError *string  `json:"filter_error"`
	Labels      []string `json:"labels"`
}
