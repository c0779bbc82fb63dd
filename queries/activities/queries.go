// Package activities answers the queries of 001's activities and enrollments
// from the read model projections/activities maintains (views
// activities.activities and activities.enrollments) and, for the admin's
// enrollment records, the identity read model (identity.users and
// identity.contact_info). One file per query.
package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProjectionName is the projector whose read model these queries read;
// commands wait for it before they answer.
const ProjectionName = "activities"

// IdentityProjection is the identity read model the enrollment records join.
const IdentityProjection = "identity"

// DefaultPageSize is how many items a page holds (001: 20).
const DefaultPageSize = 20

// ErrNotFound is returned for an activity or enrollment that does not exist.
var ErrNotFound = errors.New("activities: not found")

// ReadModel is the PostgreSQL the read models live in; *pgxpool.Pool
// implements it.
type ReadModel interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Queries answers the activity queries.
type Queries struct{ db ReadModel }

// New returns the queries over db.
func New(db ReadModel) *Queries { return &Queries{db: db} }

// FormField is one question of an activity's enrollment form.
type FormField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices"`
}

// Activity is an activity that was not removed.
type Activity struct {
	ID               int64
	Title            string
	Description      string
	Location         string
	StartsAt         time.Time
	EndsAt           time.Time
	ParticipantLimit int // 0: no limit
	EnrollmentOpen   bool
	Form             []FormField
	Enrolled         int
	CreatedAt        time.Time
}

// PlacesLeft is how many can still enroll (nil: no limit).
func (a Activity) PlacesLeft() *int {
	if a.ParticipantLimit == 0 {
		return nil
	}
	n := max(a.ParticipantLimit-a.Enrolled, 0)
	return &n
}

// Enrollment is an enrollment that was not withdrawn, in an activity that was
// not removed.
type Enrollment struct {
	ID         int64
	ActivityID int64
	UserID     int64
	Answers    map[string]any
	CreatedAt  time.Time
}

// Page asks for one page of a list: Number from 1.
type Page struct {
	Number int
	Size   int
}

func (p Page) limit() int {
	if p.Size <= 0 {
		return DefaultPageSize
	}
	return p.Size
}

func (p Page) offset() int64 { return int64(max(p.Number, 1)-1) * int64(p.limit()) }

// List is a page of items and the number of items on all pages.
type List[T any] struct {
	Count int64
	Items []T
}

const activityColumns = `a.id, a.title, a.description, a.location, a.starts_at, a.ends_at, a.participant_limit,
       a.enrollment_open, a.form, a.enrolled, a.created_at`

func scanActivity(row pgx.Row, extra ...any) (Activity, error) {
	var a Activity
	var form []byte
	dst := append([]any{&a.ID, &a.Title, &a.Description, &a.Location, &a.StartsAt, &a.EndsAt, &a.ParticipantLimit,
		&a.EnrollmentOpen, &form, &a.Enrolled, &a.CreatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return a, err
	}
	if err := json.Unmarshal(form, &a.Form); err != nil {
		return a, fmt.Errorf("activity %d form: %w", a.ID, err)
	}
	for i := range a.Form {
		if a.Form[i].Choices == nil {
			a.Form[i].Choices = []string{}
		}
	}
	return a, nil
}

const enrollmentColumns = `e.id, e.activity_id, e.user_id, e.answers, e.created_at`

func scanEnrollment(row pgx.Row, extra ...any) (Enrollment, error) {
	var e Enrollment
	var answers []byte
	dst := append([]any{&e.ID, &e.ActivityID, &e.UserID, &answers, &e.CreatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return e, err
	}
	if err := json.Unmarshal(answers, &e.Answers); err != nil {
		return e, fmt.Errorf("enrollment %d answers: %w", e.ID, err)
	}
	return e, nil
}
