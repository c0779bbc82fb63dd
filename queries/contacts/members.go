package contacts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotMember is returned to a viewer who is not on 001's staff for a
// query that shows colleagues' personal data.
var ErrNotMember = errors.New("contacts: not a member of the staff")

// WeChatProvider is how identity's read model names a WeChat binding
// (identity.ProviderWeChat).
const WeChatProvider = "wechat"

// userIsMember is the SQL condition that the user u (identity.users) is a
// member of the staff: an administrator, placed by an admin
// (contacts.members) or bound through WeChat (identity.social_accounts).
// Reading both read models is what makes membership: neither context
// decides it alone.
const userIsMember = `(u.is_admin
       OR EXISTS (SELECT 1 FROM ` + ProjectionName + `.members m WHERE m.user_id = u.id)
       OR EXISTS (SELECT 1 FROM ` + IdentityProjection + `.social_accounts s WHERE s.user_id = u.id AND s.provider = '` + WeChatProvider + `'))`

// IsMember reports whether the user is an active member of 001's staff: an
// HHU admin placed them in a department, their account is bound to WeChat
// through 001's mini-program, or they are an administrator. Commands and queries that need it ask
// through their Membership port.
func (q *Queries) IsMember(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+IdentityProjection+`.users u WHERE u.id = $1 AND u.is_active AND `+userIsMember+`)`,
		userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("membership of user %d: %w", userID, err)
	}
	return ok, nil
}

// Member is one member of the staff as admins see them.
type Member struct {
	UserID   int64
	Username string
	// Placed: an admin placed them, in DepartmentID (Department is its
	// current name, "" once removed), at PlacedAt.
	Placed       bool
	DepartmentID *int64
	Department   string
	PlacedAt     *time.Time
	// WeChat: their account is bound to WeChat.
	WeChat bool
	// Admin: an administrator (a member by that alone).
	Admin bool
}

const memberColumns = `
SELECT u.id, u.username, m.user_id IS NOT NULL, m.department_id, coalesce(CASE WHEN NOT d.removed THEN d.name END, ''), m.placed_at,
       EXISTS (SELECT 1 FROM ` + IdentityProjection + `.social_accounts s WHERE s.user_id = u.id AND s.provider = '` + WeChatProvider + `'),
       u.is_admin
  FROM ` + IdentityProjection + `.users u
  LEFT JOIN ` + ProjectionName + `.members m ON m.user_id = u.id
  LEFT JOIN ` + ProjectionName + `.departments d ON d.id = m.department_id
 WHERE u.is_active AND `

func scanMember(row pgx.Row) (Member, error) {
	var m Member
	err := row.Scan(&m.UserID, &m.Username, &m.Placed, &m.DepartmentID, &m.Department, &m.PlacedAt, &m.WeChat, &m.Admin)
	return m, err
}

// ListMembers returns every active member, by user id.
func (q *Queries) ListMembers(ctx context.Context) ([]Member, error) {
	rows, err := q.db.Query(ctx, memberColumns+userIsMember+` ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// MemberOf returns an active user's membership (ErrNotFound for no active
// user; a user who is no member has neither Placed, WeChat nor Admin).
func (q *Queries) MemberOf(ctx context.Context, userID int64) (Member, error) {
	m, err := scanMember(q.db.QueryRow(ctx, memberColumns+`u.id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("member %d: %w", userID, err)
	}
	return m, nil
}
