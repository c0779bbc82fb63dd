// Package activities is 001's activity context: activities that admins create
// with a custom enrollment form, and users' enrollments in them.
//
// It is pure: decisions take the current state, the time and allocated ids as
// arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	activity-<id>   ActivityCreated, ActivityChanged, EnrollmentOpened,
//	                EnrollmentClosed, ActivityRemoved, UserEnrolled,
//	                EnrollmentWithdrawn: the activity and every enrollment in
//	                it, so that the participant limit, "open for enrollment" and
//	                "once per user" are decided on one stream with the exact
//	                version read. Of any number of concurrent enrollments only
//	                one append at a time succeeds; the others reload and decide
//	                again, and once the limit is reached they are refused.
//
// A decision folds the whole stream (Fold). Its cost grows with the number of
// enrollments of one activity (hundreds in 001), not with the whole log.
//
// Ids come from sequences (domain/sequence): "activity" and "enrollment".
package activities

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Category is the stream category of activities.
const Category = "activity"

// Sequence names of the module's ids.
const (
	ActivitySequence   = "activity"
	EnrollmentSequence = "enrollment"
)

// Stream is the stream of an activity and its enrollments.
func Stream(id int64) string { return eventlog.StreamID(Category, strconv.FormatInt(id, 10)) }

// Wire names of the events.
const (
	EventActivityCreated     = "ActivityCreated_v1"
	EventActivityChanged     = "ActivityChanged_v1"
	EventEnrollmentOpened    = "EnrollmentOpened_v1"
	EventEnrollmentClosed    = "EnrollmentClosed_v1"
	EventActivityRemoved     = "ActivityRemoved_v1"
	EventUserEnrolled        = "UserEnrolled_v1"
	EventEnrollmentWithdrawn = "EnrollmentWithdrawn_v1"
)

// ActivityCreated records a new activity (admin) with its enrollment form.
// ParticipantLimit 0 means no limit.
type ActivityCreated struct {
	ActivityID       int64     `json:"activity_id"`
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	Location         string    `json:"location"`
	StartsAt         time.Time `json:"starts_at"`
	EndsAt           time.Time `json:"ends_at"`
	ParticipantLimit int       `json:"participant_limit"`
	EnrollmentOpen   bool      `json:"enrollment_open"`
	Form             []Field   `json:"form"`
	CreatedBy        int64     `json:"created_by"`
	CreatedAt        time.Time `json:"created_at"`
}

// ActivityChanged records an activity's new state after an edit (admin);
// every field is the activity's value after the change. Opening and closing
// enrollment are their own events.
type ActivityChanged struct {
	ActivityID       int64     `json:"activity_id"`
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	Location         string    `json:"location"`
	StartsAt         time.Time `json:"starts_at"`
	EndsAt           time.Time `json:"ends_at"`
	ParticipantLimit int       `json:"participant_limit"`
	Form             []Field   `json:"form"`
	ChangedAt        time.Time `json:"changed_at"`
}

// EnrollmentOpened records that users may enroll from now on.
type EnrollmentOpened struct {
	ActivityID int64     `json:"activity_id"`
	OpenedAt   time.Time `json:"opened_at"`
}

// EnrollmentClosed records that users may no longer enroll; existing
// enrollments stay.
type EnrollmentClosed struct {
	ActivityID int64     `json:"activity_id"`
	ClosedAt   time.Time `json:"closed_at"`
}

// ActivityRemoved records that an activity was deleted (admin); it and its
// enrollments disappear from every list.
type ActivityRemoved struct {
	ActivityID int64     `json:"activity_id"`
	RemovedAt  time.Time `json:"removed_at"`
}

// UserEnrolled records a user's enrollment. Their answers to the form
// (validated against it: keys are the form's field names, values text,
// numbers or, for multichoice, lists of text) are personal data: AnswersRef
// is their JSON sealed in the personal-data vault under the user's subject
// ("user:<id>"), so erasing the user makes them unreadable without editing
// the log. Answers holds them in clear in memory only (the decision's
// answers); it is never stored. Enrolled is the number of enrollments of the
// activity after this one.
type UserEnrolled struct {
	EnrollmentID int64          `json:"enrollment_id"`
	ActivityID   int64          `json:"activity_id"`
	UserID       int64          `json:"user_id"`
	AnswersRef   string         `json:"answers_ref"`
	Answers      map[string]any `json:"-"`
	Enrolled     int            `json:"enrolled"`
	EnrolledAt   time.Time      `json:"enrolled_at"`
}

// EnrollmentWithdrawn records that an enrollment was withdrawn by its user or
// an admin, freeing its place. Enrolled is the number of enrollments left.
type EnrollmentWithdrawn struct {
	EnrollmentID int64     `json:"enrollment_id"`
	ActivityID   int64     `json:"activity_id"`
	UserID       int64     `json:"user_id"`
	WithdrawnBy  int64     `json:"withdrawn_by"`
	Enrolled     int       `json:"enrolled"`
	WithdrawnAt  time.Time `json:"withdrawn_at"`
}

func (ActivityCreated) EventType() string     { return EventActivityCreated }
func (ActivityChanged) EventType() string     { return EventActivityChanged }
func (EnrollmentOpened) EventType() string    { return EventEnrollmentOpened }
func (EnrollmentClosed) EventType() string    { return EventEnrollmentClosed }
func (ActivityRemoved) EventType() string     { return EventActivityRemoved }
func (UserEnrolled) EventType() string        { return EventUserEnrolled }
func (EnrollmentWithdrawn) EventType() string { return EventEnrollmentWithdrawn }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		ActivityCreated{}, ActivityChanged{}, EnrollmentOpened{}, EnrollmentClosed{}, ActivityRemoved{},
		UserEnrolled{}, EnrollmentWithdrawn{},
	}
}
