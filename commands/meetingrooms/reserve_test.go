package meetingrooms_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	roomcmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// memStore is an in-memory handling.EventStore that counts full-stream
// loads of roomday streams, so the tests can show a decision reads only the
// stream's last event.
type memStore struct {
	mu          sync.Mutex
	streams     map[string][]eventlog.Event
	roomdayLoad atomic.Int64
}

func newMemStore() *memStore { return &memStore{streams: map[string][]eventlog.Event{}} }

func (s *memStore) Load(_ context.Context, stream string) ([]eventlog.Envelope, *uint64, error) {
	if eventlog.Category(stream) == meetingrooms.RoomDayCategory {
		s.roomdayLoad.Add(1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.streams[stream]
	out := make([]eventlog.Envelope, len(evs))
	for i, e := range evs {
		out[i] = eventlog.Envelope{Event: e, Recorded: eventlog.RecordedEvent{StreamID: stream, Version: uint64(i)}}
	}
	return out, version(len(evs)), nil
}

func (s *memStore) LoadLast(_ context.Context, stream string) (*eventlog.Envelope, *uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.streams[stream]
	if len(evs) == 0 {
		return nil, nil, nil
	}
	return &eventlog.Envelope{Event: evs[len(evs)-1]}, version(len(evs)), nil
}

func (s *memStore) Append(_ context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.Event, _ eventlog.Metadata) (eventlog.AppendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := version(len(s.streams[stream]))
	if !expected.Satisfied(cur) {
		return eventlog.AppendResult{}, &eventlog.WrongVersionError{Stream: stream, Expected: expected, Actual: cur}
	}
	s.streams[stream] = append(s.streams[stream], events...)
	n := uint64(len(s.streams[stream]) - 1)
	return eventlog.AppendResult{NextVersion: n, Position: eventlog.Position{Commit: n + 1, Prepare: n + 1}}, nil
}

// snapshot copies the streams under the lock (a background id refill may
// still be appending).
func (s *memStore) snapshot() map[string][]eventlog.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]eventlog.Event, len(s.streams))
	for k, v := range s.streams {
		out[k] = append([]eventlog.Event(nil), v...)
	}
	return out
}

func version(n int) *uint64 {
	if n == 0 {
		return nil
	}
	v := uint64(n - 1)
	return &v
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var zone = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		panic(err)
	}
	return t
}

func setup(t *testing.T) (*roomcmd.Handlers, *memStore, int64) {
	t.Helper()
	store := newMemStore()
	h, err := roomcmd.New(handling.NewRunner(store, handling.Config{}), fixedClock(at("2026-03-01 12:00")), roomcmd.Config{IDBlock: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.AddRoom(t.Context(), roomcmd.AddRoom{Actor: roomcmd.Actor{UserID: "1", IsAdmin: true},
		Spec: meetingrooms.RoomSpec{Name: "A101", Location: "勤学楼", Seats: 8}})
	if err != nil {
		t.Fatal(err)
	}
	return h, store, res.Room.ID
}

func TestReserveConcurrentlyOneWinner(t *testing.T) {
	h, store, room := setup(t)
	const n = 100
	var wins, overlaps atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := h.Reserve(context.Background(), roomcmd.Reserve{Actor: roomcmd.Actor{UserID: fmt.Sprint(i + 2)}, RoomID: room,
				From: at("2026-03-02 10:00").Add(time.Duration(i%30) * time.Minute), To: at("2026-03-02 11:00")})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, meetingrooms.ErrOverlap):
				overlaps.Add(1)
			default:
				t.Errorf("request %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || overlaps.Load() != n-1 {
		t.Fatalf("%d winners, %d overlaps", wins.Load(), overlaps.Load())
	}
	streams := store.snapshot()
	if got := len(streams[meetingrooms.RoomDayStream(room, "20260302")]); got != 2 {
		t.Errorf("roomday stream holds %d events, want Requested+Confirmed", got)
	}
	rejected := 0
	for id, evs := range streams {
		if eventlog.Category(id) == meetingrooms.ReservationCategory {
			if len(evs) != 2 || evs[1].EventType() != meetingrooms.EventReservationRejected {
				t.Errorf("%s: %v", id, evs)
			}
			rejected++
		}
	}
	if rejected != n-1 {
		t.Errorf("%d rejection streams, want %d", rejected, n-1)
	}
	if c := store.roomdayLoad.Load(); c != 0 {
		t.Errorf("roomday streams were loaded whole %d times; a decision must read only the last event", c)
	}
}

func TestReserveCancelRebook(t *testing.T) {
	h, store, room := setup(t)
	owner := roomcmd.Actor{UserID: "7"}
	// A day with many bookings and cancellations: each decision still reads
	// one event.
	for i := range 40 {
		res, err := h.Reserve(t.Context(), roomcmd.Reserve{Actor: owner, RoomID: room, From: at("2026-03-02 10:00"), To: at("2026-03-02 10:30")})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		c := res.Decision.Confirmed
		if c.Day != "20260302" || len(c.DayBookings) != 1 {
			t.Fatalf("confirmed: %+v", c)
		}
		if _, err := h.CancelReservation(t.Context(), roomcmd.CancelReservation{Actor: roomcmd.Actor{UserID: "8"}, ReservationID: c.ReservationID, RoomID: room, Day: c.Day}); !errors.Is(err, meetingrooms.ErrNotOwner) {
			t.Fatalf("stranger cancels: %v", err)
		}
		if _, err := h.CancelReservation(t.Context(), roomcmd.CancelReservation{Actor: owner, ReservationID: c.ReservationID, RoomID: room, Day: c.Day}); err != nil {
			t.Fatalf("cancel: %v", err)
		}
	}
	if c := store.roomdayLoad.Load(); c != 0 {
		t.Errorf("roomday streams were loaded whole %d times", c)
	}
	// Ids are unique across blocks of 4.
	seen := map[int64]bool{}
	for _, e := range store.snapshot()[meetingrooms.RoomDayStream(room, "20260302")] {
		if c, ok := e.(meetingrooms.ReservationConfirmed); ok {
			if seen[c.ReservationID] {
				t.Fatalf("id %d twice", c.ReservationID)
			}
			seen[c.ReservationID] = true
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d ids", len(seen))
	}
}

func TestReserveBadInputAppendsNothing(t *testing.T) {
	h, store, room := setup(t)
	before := len(store.snapshot())
	_, err := h.Reserve(t.Context(), roomcmd.Reserve{Actor: roomcmd.Actor{UserID: "7"}, RoomID: room + 1, From: at("2026-03-02 10:00"), To: at("2026-03-02 11:00")})
	if after := len(store.snapshot()); err == nil || after != before {
		t.Fatalf("unknown room: %v, %d streams", err, after)
	}
	if _, err := h.AddRoom(t.Context(), roomcmd.AddRoom{Actor: roomcmd.Actor{UserID: "7"}, Spec: meetingrooms.RoomSpec{Name: "x", Location: "y"}}); !errors.Is(err, roomcmd.ErrForbidden) {
		t.Fatalf("non-admin adds a room: %v", err)
	}
}
