package activities

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Contact is how to reach an enrolled user: their account (identity.users)
// and address-book entry (identity.contact_info), blank where unknown.
type Contact struct {
	UserID   int64
	Username string
	Email    string
	Name     string
	Mobile   string
	Phone    string
}

// Record is an enrollment with its user's contact: a line of the admin's
// "报名记录".
type Record struct {
	Enrollment
	User Contact
}

// Records returns every enrollment of an activity with its user's contact,
// in enrollment order. The admin filters them by clock-ins in the caller, so
// the whole list is read (an activity has hundreds of enrollments at most).
func (q *Queries) Records(ctx context.Context, activityID int64) ([]Record, error) {
	rows, err := q.db.Query(ctx, `SELECT `+enrollmentColumns+`,
       coalesce(u.username, ''), coalesce(u.email, ''), coalesce(c.name, ''), coalesce(c.mobile, ''), coalesce(c.phone, '')
  FROM `+liveEnrollments+`
  LEFT JOIN `+IdentityProjection+`.users u ON u.id = e.user_id
  LEFT JOIN `+IdentityProjection+`.contact_info c ON c.user_id = e.user_id
 WHERE e.activity_id = $1 AND NOT e.withdrawn
 ORDER BY e.id`, activityID)
	if err != nil {
		return nil, fmt.Errorf("enrollment records of activity %d: %w", activityID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		var r Record
		e, err := scanEnrollment(row, &r.User.Username, &r.User.Email, &r.User.Name, &r.User.Mobile, &r.User.Phone)
		r.Enrollment = e
		r.User.UserID = e.UserID
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("enrollment records of activity %d: %w", activityID, err)
	}
	return out, nil
}
