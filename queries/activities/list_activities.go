package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ListActivities asks for a page of activities, newest first.
type ListActivities struct {
	// UserID is the caller: MyEnrollment is filled for their enrollments.
	UserID int64
	// MineOnly keeps the activities the caller is enrolled in (my=yes).
	MineOnly bool
	// Search keeps activities whose title contains it (case-insensitive).
	Search string
	Page   Page
}

// ActivityItem is an activity in a list, with the caller's enrollment id
// (0 when not enrolled).
type ActivityItem struct {
	Activity
	MyEnrollmentID int64
}

// ListActivities returns a page of activities that were not removed, newest
// (by creation) first.
func (q *Queries) ListActivities(ctx context.Context, l ListActivities) (List[ActivityItem], error) {
	var out List[ActivityItem]
	where := `NOT a.removed AND ($2 = '' OR a.title ILIKE '%' || $2 || '%' ESCAPE '\') AND (NOT $3 OR m.id IS NOT NULL)`
	from := ProjectionName + `.activities a
  LEFT JOIN ` + ProjectionName + `.enrollments m ON m.activity_id = a.id AND m.user_id = $1 AND NOT m.withdrawn`
	search := likeEscape(strings.TrimSpace(l.Search))
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+from+` WHERE `+where, l.UserID, search, l.MineOnly).Scan(&out.Count); err != nil {
		return out, fmt.Errorf("count activities: %w", err)
	}
	rows, err := q.db.Query(ctx, `SELECT `+activityColumns+`, coalesce(m.id, 0) FROM `+from+` WHERE `+where+`
 ORDER BY a.created_at DESC, a.id DESC LIMIT $4 OFFSET $5`, l.UserID, search, l.MineOnly, l.Page.limit(), l.Page.offset())
	if err != nil {
		return out, fmt.Errorf("list activities: %w", err)
	}
	out.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ActivityItem, error) {
		var it ActivityItem
		a, err := scanActivity(r, &it.MyEnrollmentID)
		it.Activity = a
		return it, err
	})
	if err != nil {
		return out, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

// likeEscape escapes the LIKE wildcards of a search term.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
