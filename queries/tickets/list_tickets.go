package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/queries/filters"
)

// TicketColumns are the fields tickets are filtered and ordered by.
var TicketColumns = filters.Columns{
	"id": "t.id", "status": "t.status", "village": "t.village_id", "area": "t.area_id", "cluster": "t.cluster_id",
	"kind": "t.kind", "creator": "t.creator_id", "operator": "t.operator_id", "principal": "t.principal_id",
	"is_public": "t.is_public", "is_suspend": "t.is_suspend", "can_comment": "t.can_comment",
	"in_working": "(t.status IN (1, 2))", "create_time": "t.created_at", "update_time": "t.updated_at",
	"inspected_time": "t.inspected_at", "title": "t.title", "content": "t.content", "mail_key": "t.mail_key",
}

const ticketColumns = `t.id, t.creator_id, t.operator_id, t.principal_id, t.title, t.content, t.tape_content, t.latitude,
 t.longitude, t.village_id, t.area_id, t.cluster_id, t.kind, t.is_public, t.can_comment, t.is_suspend, t.status,
 t.mail_key, t.main_picture_id, t.inspected_at, t.created_at, t.updated_at`

func scanTicket(row pgx.Row) (Ticket, error) {
	var t Ticket
	err := row.Scan(&t.ID, &t.CreatorID, &t.OperatorID, &t.PrincipalID, &t.Title, &t.Content, &t.TapeContent, &t.Latitude,
		&t.Longitude, &t.VillageID, &t.AreaID, &t.ClusterID, &t.Kind, &t.IsPublic, &t.CanComment, &t.IsSuspend, &t.Status,
		&t.MailKey, &t.MainPictureID, &t.InspectedAt, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// ListTickets returns the page of the tickets the viewer may see that match
// the filters (default order: newest first), and how many match.
func (q *Queries) ListTickets(ctx context.Context, v Viewer, p filters.Page) ([]Ticket, int, error) {
	where, order, args, err := p.SQL(TicketColumns, []any{v.UserID, v.Admin}, "t.id DESC")
	if err != nil {
		return nil, 0, err
	}
	from := ` FROM ` + ProjectionName + `.tickets t WHERE ` + visible + where
	var total int
	if err := q.db.QueryRow(ctx, `SELECT count(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count tickets: %w", err)
	}
	n := len(args)
	rows, err := q.db.Query(ctx, fmt.Sprintf(`SELECT %s%s ORDER BY %s OFFSET $%d LIMIT $%d`, ticketColumns, from, order, n+1, n+2),
		append(args, p.Offset, p.Limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list tickets: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("list tickets: %w", err)
	}
	return ts, total, q.withFiles(ctx, v, ts)
}

// GetTicket returns a ticket the viewer may see; ErrNotFound otherwise.
func (q *Queries) GetTicket(ctx context.Context, v Viewer, id int64) (Ticket, error) {
	t, err := scanTicket(q.db.QueryRow(ctx, `SELECT `+ticketColumns+` FROM `+ProjectionName+`.tickets t WHERE `+visible+` AND t.id = $3`,
		v.UserID, v.Admin, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("get ticket %d: %w", id, err)
	}
	ts := []Ticket{t}
	err = q.withFiles(ctx, v, ts)
	return ts[0], err
}

const fileColumns = `f.id, f.ticket_id, t.creator_id, f.role, f.name, f.ext, f.key, f.saved, f.discarded, f.size, f.content_type,
 f.created_at, f.updated_at`

func scanFile(row pgx.Row) (File, error) {
	var f File
	err := row.Scan(&f.ID, &f.TicketID, &f.CreatorID, &f.Role, &f.Name, &f.Ext, &f.Key, &f.Saved, &f.Discarded, &f.Size,
		&f.ContentType, &f.CreatedAt, &f.UpdatedAt)
	return f, err
}

// withFiles fills the tickets' files: saved ones, and the unsaved ones of
// tickets the viewer created.
func (q *Queries) withFiles(ctx context.Context, v Viewer, ts []Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	at := map[int64]int{}
	for i, t := range ts {
		ids[i], at[t.ID] = t.ID, i
	}
	rows, err := q.db.Query(ctx, `SELECT `+fileColumns+` FROM `+ProjectionName+`.files f JOIN `+ProjectionName+`.tickets t ON t.id = f.ticket_id
 WHERE f.ticket_id = ANY($1) AND NOT f.discarded AND (f.saved OR t.creator_id = $2) ORDER BY f.id`, ids, v.UserID)
	if err != nil {
		return fmt.Errorf("ticket files: %w", err)
	}
	fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (File, error) { return scanFile(r) })
	if err != nil {
		return fmt.Errorf("ticket files: %w", err)
	}
	for _, f := range fs {
		ts[at[f.TicketID]].Files = append(ts[at[f.TicketID]].Files, f)
	}
	return nil
}

// GetFile returns a file of a ticket the viewer may see, if it is saved or
// the viewer created the ticket; ErrNotFound otherwise.
func (q *Queries) GetFile(ctx context.Context, v Viewer, id int64) (File, error) {
	f, err := scanFile(q.db.QueryRow(ctx, `SELECT `+fileColumns+` FROM `+ProjectionName+`.files f JOIN `+ProjectionName+`.tickets t ON t.id = f.ticket_id
 WHERE `+visible+` AND f.id = $3 AND NOT f.discarded AND (f.saved OR t.creator_id = $1 OR $2)`, v.UserID, v.Admin, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("get file %d: %w", id, err)
	}
	return f, nil
}

// StaleFile is a file announced before a moment and never saved.
type StaleFile struct {
	TicketID int64
	FileID   int64
	Key      string
}

// StaleFiles lists up to limit files announced before a moment, never saved
// nor discarded, oldest first.
func (q *Queries) StaleFiles(ctx context.Context, before time.Time, limit int) ([]StaleFile, error) {
	rows, err := q.db.Query(ctx, `SELECT ticket_id, id, key FROM `+ProjectionName+`.files
 WHERE NOT saved AND NOT discarded AND created_at < $1 ORDER BY created_at, id LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("stale files: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StaleFile])
	if err != nil {
		return nil, fmt.Errorf("stale files: %w", err)
	}
	return out, nil
}
