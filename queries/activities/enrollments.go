package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// liveEnrollments joins enrollments that were not withdrawn to activities
// that were not removed.
const liveEnrollments = ProjectionName + `.enrollments e
  JOIN ` + ProjectionName + `.activities a ON a.id = e.activity_id AND NOT a.removed`

// MyEnrollments returns a page of a user's enrollments, newest first.
func (q *Queries) MyEnrollments(ctx context.Context, userID int64, p Page) (List[Enrollment], error) {
	var out List[Enrollment]
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+liveEnrollments+` WHERE e.user_id = $1 AND NOT e.withdrawn`,
		userID).Scan(&out.Count); err != nil {
		return out, fmt.Errorf("count enrollments: %w", err)
	}
	rows, err := q.db.Query(ctx, `SELECT `+enrollmentColumns+` FROM `+liveEnrollments+`
 WHERE e.user_id = $1 AND NOT e.withdrawn ORDER BY e.id DESC LIMIT $2 OFFSET $3`, userID, p.limit(), p.offset())
	if err != nil {
		return out, fmt.Errorf("list enrollments: %w", err)
	}
	out.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Enrollment, error) { return scanEnrollment(r) })
	if err != nil {
		return out, fmt.Errorf("list enrollments: %w", err)
	}
	return out, nil
}

// GetEnrollment returns an enrollment that was not withdrawn, of an activity
// that was not removed.
func (q *Queries) GetEnrollment(ctx context.Context, id int64) (Enrollment, error) {
	e, err := scanEnrollment(q.db.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM `+liveEnrollments+`
 WHERE e.id = $1 AND NOT e.withdrawn`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("get enrollment %d: %w", id, err)
	}
	return e, nil
}

// EnrollmentOf returns a user's enrollment in an activity (ErrNotFound when
// they are not enrolled).
func (q *Queries) EnrollmentOf(ctx context.Context, activityID, userID int64) (Enrollment, error) {
	e, err := scanEnrollment(q.db.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM `+liveEnrollments+`
 WHERE e.activity_id = $1 AND e.user_id = $2 AND NOT e.withdrawn`, activityID, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("enrollment of user %d in activity %d: %w", userID, activityID, err)
	}
	return e, nil
}

// Enrolled reports whether a user is enrolled in an activity that was not
// removed (the clock-in module asks before it accepts a clock-in).
func (q *Queries) Enrolled(ctx context.Context, activityID, userID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+liveEnrollments+`
 WHERE e.activity_id = $1 AND e.user_id = $2 AND NOT e.withdrawn)`, activityID, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("user %d enrolled in activity %d: %w", userID, activityID, err)
	}
	return ok, nil
}
