package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Contact is one user's address-book entry as others see it.
type Contact struct {
	UserID   int64
	Username string
	Name     string
	Position string
	// Department is the department's current name when the entry refers to
	// one by id (DepartmentID set), "" when that department was removed, and
	// the entry's text otherwise.
	Department   string
	DepartmentID *int64
	QQ           string
	Phone        string
	Mobile       string
	// IsColleague: the viewer counts this user as a colleague.
	IsColleague bool
	// The mini-program's fields of the entry (empty in entries recorded
	// before them), and the account's e-mail, admin flag and date joined
	// (its user_meta).
	FirstName, LastName, WeChat, Description string
	Email                                    string
	IsAdmin                                  bool
	DateJoined                               time.Time
}

// ListContacts asks for a page of the address book as Viewer sees it: a
// member of the staff, or an administrator (ViewerIsAdmin); any other
// viewer gets ErrNotMember.
type ListContacts struct {
	Viewer        int64
	ViewerIsAdmin bool
	// OnlyColleagues keeps the viewer's colleagues (my=yes).
	OnlyColleagues bool
	// Search keeps entries whose name, position, department, QQ, phone or
	// mobile contains it, ignoring case ("" keeps all).
	Search   string
	Page     int // from 1
	PageSize int
}

// ContactPage is a page of contacts and how many match in all.
type ContactPage struct {
	Contacts []Contact
	Total    int
}

// The address book: every active member of the staff (userIsMember) that was
// not erased (erasure deletes the person's key in the personal-data vault
// and records it in personaldata.erasures, outside the log; see
// docs/hhu.md), joined with the entry, its department and whether the
// viewer ($1) counts them as a colleague.
const entries = `
WITH entries AS (
SELECT u.id, u.username,
       coalesce(c.name, '') AS name, coalesce(c.position, '') AS position,
       CASE WHEN d.id IS NULL THEN coalesce(c.department, '') WHEN d.removed THEN '' ELSE d.name END AS department,
       CASE WHEN d.id IS NOT NULL AND NOT d.removed THEN d.id END AS department_id,
       coalesce(c.qq, '') AS qq, coalesce(c.phone, '') AS phone, coalesce(c.mobile, '') AS mobile,
       k.colleague_id IS NOT NULL AS is_colleague,
       coalesce(c.first_name, '') AS first_name, coalesce(c.last_name, '') AS last_name,
       coalesce(c.wechat, '') AS wechat, coalesce(c.description, '') AS description,
       u.email, u.is_admin, u.date_joined
  FROM ` + IdentityProjection + `.users u
  LEFT JOIN ` + IdentityProjection + `.contact_info c ON c.user_id = u.id
  LEFT JOIN ` + ProjectionName + `.departments d
         ON d.id = CASE WHEN c.department ~ '^[0-9]{1,18}$' THEN c.department::bigint END
  LEFT JOIN ` + ProjectionName + `.colleagues k ON k.user_id = $1 AND k.colleague_id = u.id
 WHERE u.is_active
   AND ` + userIsMember + `
   AND NOT EXISTS (SELECT 1 FROM personaldata.erasures e WHERE e.subject = 'user:' || u.id::text)
)`

// matching keeps the viewer's colleagues when $2 and the entries containing
// $3 (lowercase) when it is not empty.
const matching = `
 WHERE (NOT $2 OR is_colleague)
   AND ($3 = '' OR strpos(lower(name), $3) > 0 OR strpos(lower(position), $3) > 0
        OR strpos(lower(department), $3) > 0 OR strpos(lower(qq), $3) > 0
        OR strpos(lower(phone), $3) > 0 OR strpos(lower(mobile), $3) > 0)`

const contactColumns = `id, username, name, position, department, department_id, qq, phone, mobile, is_colleague,
       first_name, last_name, wechat, description, email, is_admin, date_joined`

func scanContact(row pgx.Row, extra ...any) (Contact, error) {
	var c Contact
	err := row.Scan(append([]any{&c.UserID, &c.Username, &c.Name, &c.Position, &c.Department, &c.DepartmentID,
		&c.QQ, &c.Phone, &c.Mobile, &c.IsColleague, &c.FirstName, &c.LastName, &c.WeChat, &c.Description, &c.Email, &c.IsAdmin, &c.DateJoined}, extra...)...)
	return c, err
}

// ListContacts returns the page, by user id; a page past the end is empty.
func (q *Queries) ListContacts(ctx context.Context, l ListContacts) (ContactPage, error) {
	if !l.ViewerIsAdmin {
		ok, err := q.IsMember(ctx, l.Viewer)
		if err != nil {
			return ContactPage{}, err
		}
		if !ok {
			return ContactPage{}, ErrNotMember
		}
	}
	if l.Page < 1 {
		l.Page = 1
	}
	if l.PageSize < 1 {
		l.PageSize = 20
	}
	search := strings.ToLower(strings.TrimSpace(l.Search))
	rows, err := q.db.Query(ctx, entries+`
SELECT `+contactColumns+`, count(*) OVER () FROM entries`+matching+`
 ORDER BY id
OFFSET $4 LIMIT $5`, l.Viewer, l.OnlyColleagues, search, (l.Page-1)*l.PageSize, l.PageSize)
	if err != nil {
		return ContactPage{}, fmt.Errorf("list contacts: %w", err)
	}
	page := ContactPage{Contacts: []Contact{}}
	for rows.Next() {
		c, err := scanContact(rows, &page.Total)
		if err != nil {
			rows.Close()
			return ContactPage{}, fmt.Errorf("list contacts: %w", err)
		}
		page.Contacts = append(page.Contacts, c)
	}
	if err := rows.Err(); err != nil {
		return ContactPage{}, fmt.Errorf("list contacts: %w", err)
	}
	if len(page.Contacts) == 0 && l.Page > 1 {
		// Past the end: count what matches, for the page links.
		if err := q.db.QueryRow(ctx, entries+`SELECT count(*) FROM entries`+matching,
			l.Viewer, l.OnlyColleagues, search).Scan(&page.Total); err != nil {
			return ContactPage{}, fmt.Errorf("count contacts: %w", err)
		}
	}
	return page, nil
}

// ContactOf returns one active, not erased member's entry as viewer sees it
// (ErrNotFound for anyone else).
func (q *Queries) ContactOf(ctx context.Context, viewer, userID int64) (Contact, error) {
	c, err := scanContact(q.db.QueryRow(ctx, entries+`SELECT `+contactColumns+` FROM entries WHERE id = $2`, viewer, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("contact of user %d: %w", userID, err)
	}
	return c, nil
}
