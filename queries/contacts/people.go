package contacts

import (
	"context"
	"fmt"
)

// Person is how a user signs what they booked: their username, the name of
// their entry and their mobile (the original's reserve_user and contact).
type Person struct {
	UserID   int64
	Username string
	Name     string
	Mobile   string
}

// People returns the active, not erased users among ids, by id (members or
// not: they are who booked a room).
func (q *Queries) People(ctx context.Context, ids []int64) (map[int64]Person, error) {
	out := map[int64]Person{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.db.Query(ctx, `
SELECT u.id, u.username, coalesce(c.name, ''), coalesce(c.mobile, '')
  FROM `+IdentityProjection+`.users u
  LEFT JOIN `+IdentityProjection+`.contact_info c ON c.user_id = u.id
 WHERE u.id = ANY($1) AND u.is_active
   AND NOT EXISTS (SELECT 1 FROM personaldata.erasures e WHERE e.subject = 'user:' || u.id::text)`, ids)
	if err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.UserID, &p.Username, &p.Name, &p.Mobile); err != nil {
			return nil, fmt.Errorf("people: %w", err)
		}
		out[p.UserID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	return out, nil
}
