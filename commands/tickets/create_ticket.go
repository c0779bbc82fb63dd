package tickets

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
)

// CreateTicket is a user's ticket with the files it announces
// (POST /api/lastest/ticket/).
type CreateTicket struct {
	Actor  access.Actor
	Ticket tickets.NewTicket
	// Files are the announced files' roles and extensions, pictures first.
	Files []tickets.NewFile
	Meta  eventlog.Metadata
}

// TicketResult is the created ticket and where it landed.
type TicketResult struct {
	Created  tickets.TicketCreated
	Position eventlog.Position
}

// CreateTicket validates the ticket, takes ids from the sequences "ticket"
// and "ticketfile", names each file as the original did
// (<yyyymmddHHMMSS>-<10 digits>), keys it under
// ticket/<d>/<d>/<d>/<id>/<pictures|tapes>/<file id>/, draws the ticket's
// mail_key (four capital letters) and appends TicketCreated.
func (h *Handlers) CreateTicket(ctx context.Context, cmd CreateTicket) (TicketResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return TicketResult{}, err
	}
	now := h.now(&cmd.Meta)
	t := cmd.Ticket
	t.CreatorID, t.Files = uid, cmd.Files
	setup, err := h.loadSetup(ctx)
	if err != nil {
		return TicketResult{}, err
	}
	if _, err := tickets.CreateTicket(setup, 0, make([]int64, len(t.Files)), t, now); err != nil {
		return TicketResult{}, err
	}
	ids, err := h.seqs.AllocateIDs(ctx, tickets.TicketSequence, 1, "", cmd.Meta)
	if err != nil {
		return TicketResult{}, err
	}
	id := ids.First
	fileIDs := make([]int64, len(t.Files))
	if len(t.Files) > 0 {
		fids, err := h.seqs.AllocateIDs(ctx, tickets.FileSequence, int64(len(t.Files)), tickets.TicketStream(id), cmd.Meta)
		if err != nil {
			return TicketResult{}, err
		}
		for i := range fileIDs {
			fileIDs[i] = fids.First + int64(i)
		}
	}
	files := make([]tickets.NewFile, len(t.Files))
	for i, f := range t.Files {
		f.Name = now.Format("20060102150405") + "-" + randomDigits(10)
		f.Key = FileKey(id, f.Role, fileIDs[i], f.Name, f.Ext)
		files[i] = f
	}
	t.Files = files
	t.MailKey = randomLetters(4)
	res, err := h.runner.Execute(ctx, tickets.TicketStream(id), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("ticket %d already exists", id)
		}
		e, err := tickets.CreateTicket(setup, id, fileIDs, t, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return TicketResult{}, err
	}
	return TicketResult{Created: res.Events[0].(tickets.TicketCreated), Position: res.Append.Position}, nil
}

// URLDir is a file's directory in storage, as the original laid it out:
// ticket/<hundreds>/<tens>/<units of the id's last three digits>/<id>/<pictures|tapes>/<file id>.
func URLDir(ticketID int64, role string, fileID int64) string {
	d := fmt.Sprintf("%03d", ticketID%1000)
	kind := "pictures"
	if role == tickets.FileTape {
		kind = "tapes"
	}
	return fmt.Sprintf("ticket/%c/%c/%c/%d/%s/%d", d[0], d[1], d[2], ticketID, kind, fileID)
}

// FileKey is a file's object key.
func FileKey(ticketID int64, role string, fileID int64, name, ext string) string {
	return URLDir(ticketID, role, fileID) + "/" + name + "." + ext
}

func randomDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

func randomLetters(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(26))
		b.WriteByte(byte('A' + d.Int64()))
	}
	return b.String()
}
