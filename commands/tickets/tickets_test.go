package tickets_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	ticketscmd "github.com/fiveapis/backend/commands/tickets"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/tickets"
)

var admin = access.Actor{UserID: 1, Admin: true}

type env struct {
	h     *ticketscmd.Handlers
	clock *handlingtest.Clock
	store handling.EventStore
}

func newEnv(t *testing.T) env {
	t.Helper()
	e := handlingtest.New(t, tickets.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	return env{h: ticketscmd.New(e.Runner(handling.Config{}), clock), clock: clock, store: e.Streams}
}

// village makes area 1 and its village 2.
func village(t *testing.T, h *ticketscmd.Handlers) int64 {
	t.Helper()
	ctx := context.Background()
	a, err := h.AddArea(ctx, ticketscmd.AddArea{Actor: admin, Name: "北區", Kind: tickets.PlaceArea})
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.AddArea(ctx, ticketscmd.AddArea{Actor: admin, Name: "積善里", Kind: tickets.PlaceVillage, ParentID: a.Area.AreaID})
	if err != nil {
		t.Fatal(err)
	}
	return v.Area.AreaID
}

// TestConcurrentOfficialsFormOneChain: 16 officials change one ticket's
// status at once, each along an allowed transition from what they read.
// Every change appends with the version read, so the history is one chain
// (each From is the previous To) and inspected is set exactly once.
func TestConcurrentOfficialsFormOneChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	v := village(t, e.h)
	created, err := e.h.CreateTicket(ctx, ticketscmd.CreateTicket{Actor: access.Actor{UserID: 100}, Ticket: tickets.NewTicket{VillageID: v}})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Created.TicketID
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := []int64{tickets.StatusProcessing, tickets.StatusResolved, tickets.StatusRejected}[i%3]
			_, err := e.h.UpdateTicket(ctx, ticketscmd.UpdateTicket{Actor: access.Actor{UserID: int64(200 + i), Admin: true}, TicketID: id,
				Patch: tickets.Patch{Status: &to}})
			if err != nil && fault.KindOf(err) != fault.Invalid {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("update: %v", err)
	}
	history, _, err := e.store.Load(ctx, tickets.TicketStream(id))
	if err != nil {
		t.Fatal(err)
	}
	prev, inspected, changes := tickets.StatusInitial, 0, 0
	for _, env := range history {
		if sc, ok := env.Event.(tickets.TicketStatusChanged); ok {
			changes++
			if sc.From != prev {
				t.Errorf("broken chain: from %d after %d", sc.From, prev)
			}
			prev = sc.To
			if sc.Inspected {
				inspected++
			}
		}
	}
	if changes == 0 || inspected != 1 {
		t.Errorf("changes %d, inspected %d", changes, inspected)
	}
}

type staleList []ticketscmd.StaleFile

func (s staleList) StaleFiles(context.Context, time.Time, int) ([]ticketscmd.StaleFile, error) {
	return s, nil
}

type removed struct {
	mu   sync.Mutex
	keys []string
}

func (r *removed) Delete(_ context.Context, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, key)
	return nil
}

// TestCleanupJobDiscardsUnfinishedUploads: the job discards the files the
// read model lists as stale, unless they were saved meanwhile, and deletes
// their bytes.
func TestCleanupJobDiscardsUnfinishedUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	v := village(t, e.h)
	citizen := access.Actor{UserID: 100}
	res, err := e.h.CreateTicket(ctx, ticketscmd.CreateTicket{Actor: citizen, Ticket: tickets.NewTicket{VillageID: v},
		Files: []tickets.NewFile{{Role: tickets.FilePicture, Ext: "jpg"}, {Role: tickets.FilePicture, Ext: "jpg"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Created.Files
	if _, err := e.h.SaveFile(ctx, ticketscmd.SaveFile{Actor: citizen, TicketID: res.Created.TicketID, FileID: f[0].FileID, Size: 10, ContentType: "image/jpeg"}); err != nil {
		t.Fatal(err)
	}
	var rm removed
	job := e.h.CleanupJob(staleList{{TicketID: res.Created.TicketID, FileID: f[0].FileID, Key: f[0].Key},
		{TicketID: res.Created.TicketID, FileID: f[1].FileID, Key: f[1].Key}}, &rm, time.Hour, time.Minute)
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := job.Run(ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if len(rm.keys) != 1 || rm.keys[0] != f[1].Key {
		t.Errorf("deleted %v, want only %s", rm.keys, f[1].Key)
	}
	history, _, _ := e.store.Load(ctx, tickets.TicketStream(res.Created.TicketID))
	tk := tickets.TicketFrom(history)
	if !tk.Files[f[0].FileID].Saved || !tk.Files[f[1].FileID].Discarded {
		t.Errorf("files: %+v", tk.Files)
	}
	_, err = e.h.SaveFile(ctx, ticketscmd.SaveFile{Actor: citizen, TicketID: res.Created.TicketID, FileID: f[1].FileID})
	if !errors.Is(err, tickets.ErrFileNotFound) {
		t.Errorf("saving a discarded file: %v", err)
	}
}
