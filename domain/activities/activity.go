package activities

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of an activity's fields.
const (
	MaxTitleLength       = 128
	MaxDescriptionLength = 10000
	MaxLocationLength    = 128
	MaxParticipantLimit  = 100000
)

// Spec is what an admin sets on an activity. ParticipantLimit 0 means no
// limit.
type Spec struct {
	Title            string
	Description      string
	Location         string
	StartsAt         time.Time
	EndsAt           time.Time
	ParticipantLimit int
	EnrollmentOpen   bool
	Form             []Field
}

// Patch is a partial edit: nil fields keep their value.
type Patch struct {
	Title            *string
	Description      *string
	Location         *string
	StartsAt         *time.Time
	EndsAt           *time.Time
	ParticipantLimit *int
	EnrollmentOpen   *bool
	Form             *[]Field
}

// Enrollment is one enrollment of an activity's state.
type Enrollment struct {
	ID     int64
	UserID int64
}

// Activity is an activity's current state, folded from its stream.
type Activity struct {
	ID int64
	Spec
	CreatedAt   time.Time
	exists      bool
	removed     bool
	enrollments []Enrollment // in enrollment order
}

// Exists reports whether the activity was created and not removed.
func (a Activity) Exists() bool { return a.exists && !a.removed }

// Enrolled is the number of enrollments.
func (a Activity) Enrolled() int { return len(a.enrollments) }

// Enrollments are the activity's enrollments in order.
func (a Activity) Enrollments() []Enrollment { return slices.Clone(a.enrollments) }

// EnrollmentOf returns the enrollment of a user.
func (a Activity) EnrollmentOf(userID int64) (Enrollment, bool) {
	i := slices.IndexFunc(a.enrollments, func(e Enrollment) bool { return e.UserID == userID })
	if i < 0 {
		return Enrollment{}, false
	}
	return a.enrollments[i], true
}

// Full reports whether the participant limit is reached.
func (a Activity) Full() bool {
	return a.ParticipantLimit > 0 && len(a.enrollments) >= a.ParticipantLimit
}

// Apply returns the state after e.
func (a Activity) Apply(e eventlog.Event) Activity {
	switch e := e.(type) {
	case ActivityCreated:
		a = Activity{ID: e.ActivityID, CreatedAt: e.CreatedAt, exists: true, Spec: Spec{
			Title: e.Title, Description: e.Description, Location: e.Location, StartsAt: e.StartsAt, EndsAt: e.EndsAt,
			ParticipantLimit: e.ParticipantLimit, EnrollmentOpen: e.EnrollmentOpen, Form: e.Form,
		}}
	case ActivityChanged:
		open := a.EnrollmentOpen
		a.Spec = Spec{Title: e.Title, Description: e.Description, Location: e.Location, StartsAt: e.StartsAt, EndsAt: e.EndsAt,
			ParticipantLimit: e.ParticipantLimit, EnrollmentOpen: open, Form: e.Form}
	case EnrollmentOpened:
		a.EnrollmentOpen = true
	case EnrollmentClosed:
		a.EnrollmentOpen = false
	case ActivityRemoved:
		a.removed = true
	case UserEnrolled:
		a.enrollments = append(slices.Clone(a.enrollments), Enrollment{ID: e.EnrollmentID, UserID: e.UserID})
	case EnrollmentWithdrawn:
		a.enrollments = slices.DeleteFunc(slices.Clone(a.enrollments), func(x Enrollment) bool { return x.ID == e.EnrollmentID })
	}
	return a
}

// Fold returns the state of an activity stream.
func Fold(history []eventlog.Envelope) Activity {
	var a Activity
	for _, env := range history {
		a = a.Apply(env.Event)
	}
	return a
}

// ErrActivityNotFound answers a command on an activity that does not exist.
var ErrActivityNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")

// Validate checks a (normalized) spec the way a DRF serializer would, naming
// the field of every error.
func (s Spec) Validate() error {
	var errs []error
	check := func(field, v string, max int, allowBlank bool) {
		switch {
		case !allowBlank && v == "":
			errs = append(errs, fault.Invalidf(field, "This field may not be blank."))
		case utf8.RuneCountInString(v) > max:
			errs = append(errs, fault.Invalidf(field, "Ensure this field has no more than %d characters.", max))
		}
	}
	check("title", s.Title, MaxTitleLength, false)
	check("description", s.Description, MaxDescriptionLength, true)
	check("location", s.Location, MaxLocationLength, true)
	if !s.EndsAt.After(s.StartsAt) {
		errs = append(errs, fault.Invalidf("ends_at", "结束时间必须晚于开始时间"))
	}
	switch {
	case s.ParticipantLimit < 0:
		errs = append(errs, fault.Invalidf("participant_limit", "Ensure this value is greater than or equal to 0."))
	case s.ParticipantLimit > MaxParticipantLimit:
		errs = append(errs, fault.Invalidf("participant_limit", "Ensure this value is less than or equal to %d.", MaxParticipantLimit))
	}
	if err := ValidateForm(s.Form); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func normalize(s Spec) Spec {
	s.Title = strings.TrimSpace(s.Title)
	s.Description = strings.TrimSpace(s.Description)
	s.Location = strings.TrimSpace(s.Location)
	s.StartsAt = s.StartsAt.UTC()
	s.EndsAt = s.EndsAt.UTC()
	s.Form = NormalizeForm(s.Form)
	return s
}

// Create decides a new activity with an allocated id.
func Create(id int64, spec Spec, by int64, now time.Time) (ActivityCreated, error) {
	spec = normalize(spec)
	if err := spec.Validate(); err != nil {
		return ActivityCreated{}, err
	}
	return ActivityCreated{
		ActivityID: id, Title: spec.Title, Description: spec.Description, Location: spec.Location,
		StartsAt: spec.StartsAt, EndsAt: spec.EndsAt, ParticipantLimit: spec.ParticipantLimit,
		EnrollmentOpen: spec.EnrollmentOpen, Form: spec.Form, CreatedBy: by, CreatedAt: now,
	}, nil
}

// Change decides an edit of an existing activity: ActivityChanged when a
// field other than EnrollmentOpen changes, then EnrollmentOpened or
// EnrollmentClosed when that flag changes. An edit that changes nothing
// decides no events. Participant limits below the current number of
// enrollments are allowed: nobody is removed, but nobody can enroll.
func Change(a Activity, p Patch, now time.Time) ([]eventlog.Event, error) {
	if !a.Exists() {
		return nil, ErrActivityNotFound
	}
	spec := a.Spec
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&spec.Title, p.Title)
	set(&spec.Description, p.Description)
	set(&spec.Location, p.Location)
	if p.StartsAt != nil {
		spec.StartsAt = *p.StartsAt
	}
	if p.EndsAt != nil {
		spec.EndsAt = *p.EndsAt
	}
	if p.ParticipantLimit != nil {
		spec.ParticipantLimit = *p.ParticipantLimit
	}
	if p.EnrollmentOpen != nil {
		spec.EnrollmentOpen = *p.EnrollmentOpen
	}
	if p.Form != nil {
		spec.Form = *p.Form
	}
	spec = normalize(spec)
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out []eventlog.Event
	if !sameExceptOpen(spec, a.Spec) {
		out = append(out, ActivityChanged{
			ActivityID: a.ID, Title: spec.Title, Description: spec.Description, Location: spec.Location,
			StartsAt: spec.StartsAt, EndsAt: spec.EndsAt, ParticipantLimit: spec.ParticipantLimit, Form: spec.Form, ChangedAt: now,
		})
	}
	switch {
	case spec.EnrollmentOpen && !a.EnrollmentOpen:
		out = append(out, EnrollmentOpened{ActivityID: a.ID, OpenedAt: now})
	case !spec.EnrollmentOpen && a.EnrollmentOpen:
		out = append(out, EnrollmentClosed{ActivityID: a.ID, ClosedAt: now})
	}
	return out, nil
}

func sameExceptOpen(x, y Spec) bool {
	return x.Title == y.Title && x.Description == y.Description && x.Location == y.Location &&
		x.StartsAt.Equal(y.StartsAt) && x.EndsAt.Equal(y.EndsAt) && x.ParticipantLimit == y.ParticipantLimit &&
		slices.EqualFunc(x.Form, y.Form, func(a, b Field) bool {
			return a.Name == b.Name && a.Label == b.Label && a.Type == b.Type && a.Required == b.Required && slices.Equal(a.Choices, b.Choices)
		})
}

// Remove decides the removal of an activity.
func Remove(a Activity, now time.Time) (ActivityRemoved, error) {
	if !a.Exists() {
		return ActivityRemoved{}, ErrActivityNotFound
	}
	return ActivityRemoved{ActivityID: a.ID, RemovedAt: now}, nil
}
