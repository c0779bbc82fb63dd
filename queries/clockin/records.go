package clockin

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// MyRecords returns a user's clock-ins at an activity's items (that still
// exist), by time.
func (q *Queries) MyRecords(ctx context.Context, activityID, userID int64) ([]Record, error) {
	return collect(ctx, q.db, "list records", func(r pgx.CollectableRow) (Record, error) {
		var rec Record
		err := r.Scan(&rec.ItemID, &rec.ActivityID, &rec.UserID, &rec.Label, &rec.Window, &rec.ClockedAt)
		return rec, err
	}, `SELECT r.item_id, r.activity_id, r.user_id, i.label, r.window_number, r.clocked_at
 FROM `+ProjectionName+`.records r JOIN `+ProjectionName+`.items i ON i.id = r.item_id AND NOT i.removed
 WHERE r.activity_id = $1 AND r.user_id = $2 ORDER BY r.clocked_at, r.item_id`, activityID, userID)
}

// ClockedLabels returns, per user who clocked in at any of the activity's
// items, the labels of those items (the current labels, by opening time) —
// what the enrollment filter expressions match.
func (q *Queries) ClockedLabels(ctx context.Context, activityID int64) (map[int64][]string, error) {
	type row struct {
		user  int64
		label string
	}
	rows, err := collect(ctx, q.db, "clocked labels", func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.user, &x.label)
		return x, err
	}, `SELECT r.user_id, i.label
 FROM `+ProjectionName+`.records r JOIN `+ProjectionName+`.items i ON i.id = r.item_id AND NOT i.removed
 WHERE r.activity_id = $1 ORDER BY r.user_id, i.open_from, i.id`, activityID)
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, x := range rows {
		out[x.user] = append(out[x.user], x.label)
	}
	return out, nil
}
