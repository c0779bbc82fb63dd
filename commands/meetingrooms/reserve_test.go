package meetingrooms_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	"github.com/fiveapis/backend/transport/eventstore"
)

// countingStore is the real PostgreSQL event store with a counter of what
// is read from roomday streams: how many reads and how many events they
// returned. The tests use it to show that a decision reads one event of one
// roomday stream, however long the room's history is.
type countingStore struct {
	eventlog.Store
	roomdayReads  atomic.Int64
	roomdayEvents atomic.Int64
	failReleases  atomic.Bool
}

func (s *countingStore) ReadStream(ctx context.Context, stream string, opts eventlog.ReadStreamOptions) ([]eventlog.RecordedEvent, error) {
	recs, err := s.Store.ReadStream(ctx, stream, opts)
	if eventlog.Category(stream) == meetingrooms.RoomDayCategory {
		s.roomdayReads.Add(1)
		s.roomdayEvents.Add(int64(len(recs)))
	}
	return recs, err
}

// Append fails the release of a move while failReleases is set: the process
// that made the move "dies" between its two appends.
func (s *countingStore) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (eventlog.AppendResult, error) {
	if s.failReleases.Load() && len(events) > 0 && events[0].Type == meetingrooms.EventReservationReleased {
		return eventlog.AppendResult{}, errors.New("the process died")
	}
	return s.Store.Append(ctx, stream, expected, events)
}

// read returns the counters and resets them.
func (s *countingStore) read() (reads, events int64) {
	return s.roomdayReads.Swap(0), s.roomdayEvents.Swap(0)
}

var zone = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		panic(err)
	}
	return t
}

var admin = access.Actor{UserID: 1, Admin: true}

type fixture struct {
	h      *meetingroomscmd.Handlers
	store  *countingStore
	stream *eventstore.Streams
}

// setup runs the handlers on a fresh database of the real PostgreSQL, with
// the PostgreSQL event store behind the counting decorator, and adds rooms.
func setup(t *testing.T, rooms int) (fixture, []int64) {
	t.Helper()
	ctx := context.Background()
	env := handlingtest.New(t, meetingrooms.Events()...)
	store := &countingStore{Store: env.Store}
	streams := eventstore.NewStreams(store, env.Codec)
	h, err := meetingroomscmd.New(handling.NewRunner(streams, handling.Config{}), handlingtest.NewClock(at("2026-03-01 12:00")), handlingtest.Members(nil), meetingroomscmd.Config{IDBlock: 4})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, rooms)
	for i := range ids {
		res, err := h.AddRoom(ctx, meetingroomscmd.AddRoom{Actor: admin,
			Spec: meetingrooms.RoomSpec{Name: fmt.Sprintf("A%d", 101+i), Location: "勤学楼", Seats: 8}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = res.Room.ID
	}
	return fixture{h: h, store: store, stream: streams}, ids
}

// bookings returns the bookings a roomday stream's last event carries.
func (f fixture) bookings(t *testing.T, room int64, day string) []meetingrooms.Booking {
	t.Helper()
	last, _, err := f.stream.LoadLast(context.Background(), meetingrooms.RoomDayStream(room, day))
	if err != nil {
		t.Fatal(err)
	}
	if last == nil {
		return nil
	}
	return meetingrooms.DayFrom(last.Event).Bookings
}

func (f fixture) reserve(t *testing.T, user int64, room int64, from, to string) meetingrooms.ReservationConfirmed {
	t.Helper()
	res, err := f.h.Reserve(context.Background(), meetingroomscmd.Reserve{Actor: access.Actor{UserID: user}, RoomID: room, From: at(from), To: at(to)})
	if err != nil {
		t.Fatalf("reserve %d %s–%s: %v", room, from, to, err)
	}
	return *res.Decision.Confirmed
}

func TestReserveConcurrentlyOneWinner(t *testing.T) {
	f, rooms := setup(t, 1)
	room := rooms[0]
	const n = 100
	var wins, overlaps atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := f.h.Reserve(context.Background(), meetingroomscmd.Reserve{Actor: access.Actor{UserID: int64(i + 2)}, RoomID: room,
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
	evs, _, err := f.stream.Load(context.Background(), meetingrooms.RoomDayStream(room, "20260302"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Errorf("roomday stream holds %d events, want Requested+Confirmed", len(evs))
	}
	rejected, err := f.store.ReadAll(context.Background(), eventlog.ReadAllOptions{Max: 1000,
		Filter: eventlog.Filter{EventTypes: []string{meetingrooms.EventReservationRejected}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != n-1 {
		t.Errorf("%d rejections in the log, want %d", len(rejected), n-1)
	}
	for _, r := range rejected {
		if eventlog.Category(r.StreamID) != meetingrooms.ReservationCategory {
			t.Errorf("rejection in %s", r.StreamID)
		}
	}
}

// TestDecisionReadsBoundedAmount books and cancels one room's day 60 times
// (240 events on its roomday stream) and counts what each decision reads of
// it: one read of one event, on the first day as on the last, for reserving,
// cancelling and moving alike.
func TestDecisionReadsBoundedAmount(t *testing.T) {
	f, rooms := setup(t, 1)
	room := rooms[0]
	ctx := context.Background()
	owner := access.Actor{UserID: 7}
	check := func(what string, round int) {
		t.Helper()
		if reads, events := f.store.read(); reads != 1 || events > 1 {
			t.Fatalf("round %d, %s read the roomday stream %d times, %d events; want one read of at most one event", round, what, reads, events)
		}
	}
	for round := range 60 {
		f.store.read()
		c := f.reserve(t, 7, room, "2026-03-02 10:00", "2026-03-02 10:30")
		check("reserve", round)
		if len(c.DayBookings) != 1 {
			t.Fatalf("round %d: %d bookings", round, len(c.DayBookings))
		}
		if _, err := f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: c.ReservationID, RoomID: room, Day: c.Day,
			ToRoomID: room, From: at("2026-03-02 11:00"), To: at("2026-03-02 12:00")}); err != nil {
			t.Fatalf("round %d: move: %v", round, err)
		}
		check("move", round)
		if _, err := f.h.CancelReservation(ctx, meetingroomscmd.CancelReservation{Actor: access.Actor{UserID: 8}, ReservationID: c.ReservationID, RoomID: room, Day: c.Day}); !errors.Is(err, meetingrooms.ErrNotOwner) {
			t.Fatalf("stranger cancels: %v", err)
		}
		f.store.read()
		if _, err := f.h.CancelReservation(ctx, meetingroomscmd.CancelReservation{Actor: owner, ReservationID: c.ReservationID, RoomID: room, Day: c.Day}); err != nil {
			t.Fatalf("cancel: %v", err)
		}
		check("cancel", round)
	}
	// Ids are unique across blocks of 4.
	evs, _, err := f.stream.Load(ctx, meetingrooms.RoomDayStream(room, "20260302"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, e := range evs {
		if c, ok := e.Event.(meetingrooms.ReservationConfirmed); ok {
			if seen[c.ReservationID] {
				t.Fatalf("id %d twice", c.ReservationID)
			}
			seen[c.ReservationID] = true
		}
	}
	if len(seen) != 60 || len(evs) != 240 {
		t.Errorf("%d ids, %d events", len(seen), len(evs))
	}
}

func TestReserveBadInputAppendsNothing(t *testing.T) {
	f, rooms := setup(t, 1)
	room := rooms[0]
	ctx := context.Background()
	count := func() int {
		recs, err := f.store.ReadAll(ctx, eventlog.ReadAllOptions{Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	before := count()
	_, err := f.h.Reserve(ctx, meetingroomscmd.Reserve{Actor: access.Actor{UserID: 7}, RoomID: room + 1, From: at("2026-03-02 10:00"), To: at("2026-03-02 11:00")})
	if after := count(); err == nil || after != before {
		t.Fatalf("unknown room: %v, %d events after %d", err, after, before)
	}
	if _, err := f.h.AddRoom(ctx, meetingroomscmd.AddRoom{Actor: access.Actor{UserID: 7}, Spec: meetingrooms.RoomSpec{Name: "x", Location: "y"}}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("non-admin adds a room: %v", err)
	}
	c := f.reserve(t, 7, room, "2026-03-02 10:00", "2026-03-02 11:00")
	if _, err := f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: access.Actor{UserID: 7}, ReservationID: c.ReservationID, RoomID: room, Day: c.Day,
		ToRoomID: room, From: at("2026-03-02 12:00"), To: at("2026-03-02 13:00")}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("non-admin moves: %v", err)
	}
	before = count()
	for _, tc := range []struct {
		name     string
		to       int64
		from, un string
		want     error
	}{
		{"too long", room, "2026-03-02 12:00", "2026-03-02 16:00", meetingrooms.ErrTooLong},
		{"past", room, "2026-02-02 12:00", "2026-02-02 13:00", meetingrooms.ErrInPast},
		{"spans midnight", room, "2026-03-02 23:00", "2026-03-03 01:00", meetingrooms.ErrSpansMidnight},
		{"unknown room", room + 1, "2026-03-02 12:00", "2026-03-02 13:00", nil},
	} {
		_, err := f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: c.ReservationID, RoomID: room, Day: c.Day,
			ToRoomID: tc.to, From: at(tc.from), To: at(tc.un)})
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if after := count(); after != before {
		t.Errorf("refused moves appended %d events", after-before)
	}
}

// TestMovesConcurrently hammers moves from many goroutines: 30 reservations
// in different rooms and days all moved into one slot of another room, while
// 30 users request that slot too; and one reservation moved by 20 admins at
// once to 20 different days. Exactly one booking ever holds the slot, and the
// raced reservation ends up in exactly one day.
func TestMovesConcurrently(t *testing.T) {
	f, rooms := setup(t, 4)
	ctx := context.Background()
	target := rooms[3]
	const n = 30
	var sources []meetingrooms.ReservationConfirmed
	for i := range n {
		day := fmt.Sprintf("2026-03-%02d", 2+i%10)
		sources = append(sources, f.reserve(t, int64(100+i), rooms[i%3], day+" 14:00", day+" 15:00"))
	}
	var wins, overlaps atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var err error
			if i%2 == 0 {
				s := sources[i/2]
				_, err = f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: s.ReservationID, RoomID: s.RoomID, Day: s.Day,
					ToRoomID: target, From: at("2026-03-20 10:00"), To: at("2026-03-20 11:00"), Reason: "校领导开会"})
			} else {
				_, err = f.h.Reserve(ctx, meetingroomscmd.Reserve{Actor: access.Actor{UserID: int64(200 + i)}, RoomID: target,
					From: at("2026-03-20 10:30"), To: at("2026-03-20 11:30")})
			}
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, meetingrooms.ErrOverlap):
				overlaps.Add(1)
			default:
				t.Errorf("%d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || overlaps.Load() != 2*n-1 {
		t.Fatalf("%d winners, %d overlaps", wins.Load(), overlaps.Load())
	}
	got := f.bookings(t, target, "20260320")
	if len(got) != 1 {
		t.Fatalf("target day holds %v", got)
	}
	// Every source reservation is exactly where it should be: the moved one
	// released its old slot, the others kept theirs.
	for _, s := range sources {
		_, stayed := meetingrooms.DayState{Bookings: f.bookings(t, s.RoomID, s.Day)}.Find(s.ReservationID)
		if moved := got[0].ReservationID == s.ReservationID; moved == stayed {
			t.Errorf("reservation %d: moved %v, still in its old day %v", s.ReservationID, moved, stayed)
		}
	}

	// One reservation, 20 admins, 20 different days.
	r := f.reserve(t, 9, rooms[0], "2026-03-25 09:00", "2026-03-25 10:00")
	var moved atomic.Int64
	start = make(chan struct{})
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			day := fmt.Sprintf("2026-04-%02d", 1+i)
			_, err := f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: r.ReservationID, RoomID: r.RoomID, Day: r.Day,
				ToRoomID: rooms[1], From: at(day + " 09:00"), To: at(day + " 10:00")})
			switch {
			case err == nil:
				moved.Add(1)
			case errors.Is(err, meetingrooms.ErrMoveRaced), errors.Is(err, meetingrooms.ErrReservationNotFound):
			default:
				t.Errorf("move %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	holders := 0
	for i := range 20 {
		day := fmt.Sprintf("202604%02d", 1+i)
		if _, ok := (meetingrooms.DayState{Bookings: f.bookings(t, rooms[1], day)}).Find(r.ReservationID); ok {
			holders++
		}
	}
	if _, ok := (meetingrooms.DayState{Bookings: f.bookings(t, r.RoomID, r.Day)}).Find(r.ReservationID); ok {
		holders++
	}
	if moved.Load() != 1 || holders != 1 {
		t.Fatalf("%d moves succeeded, %d days hold the reservation; want 1 and 1", moved.Load(), holders)
	}
}

// TestCompleteMoveAfterACrash: a move to another room and day whose process
// dies before the release holds both slots; CompleteMove, run by five
// processes at once, releases the old slot exactly once. When the booking was
// cancelled on its old day meanwhile, it undoes the arrival instead, as the
// command would have.
func TestCompleteMoveAfterACrash(t *testing.T) {
	f, rooms := setup(t, 2)
	ctx := context.Background()
	moveCrashing := func(r meetingrooms.ReservationConfirmed) {
		t.Helper()
		f.store.failReleases.Store(true)
		defer f.store.failReleases.Store(false)
		_, err := f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: r.ReservationID, RoomID: r.RoomID, Day: r.Day,
			ToRoomID: rooms[1], From: at("2026-03-05 09:00"), To: at("2026-03-05 10:00")})
		if err == nil {
			t.Fatal("the move succeeded although its release failed")
		}
	}
	holds := func(room int64, day string, id int64) bool {
		return slices.ContainsFunc(f.bookings(t, room, day), func(b meetingrooms.Booking) bool { return b.ReservationID == id })
	}
	completeFromFive := func(id int64) {
		t.Helper()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if _, err := f.h.CompleteMove(ctx, meetingroomscmd.CompleteMove{ReservationID: id, RoomID: rooms[1], Day: "20260305"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}

	r := f.reserve(t, 7, rooms[0], "2026-03-02 14:00", "2026-03-02 15:00")
	moveCrashing(r)
	if !holds(rooms[0], r.Day, r.ReservationID) || !holds(rooms[1], "20260305", r.ReservationID) {
		t.Fatal("after the crash the reservation should hold both slots")
	}
	completeFromFive(r.ReservationID)
	if holds(rooms[0], r.Day, r.ReservationID) || !holds(rooms[1], "20260305", r.ReservationID) {
		t.Fatal("after CompleteMove the reservation should hold only its new slot")
	}
	recs, err := f.store.Store.ReadStream(ctx, meetingrooms.RoomDayStream(rooms[0], r.Day), eventlog.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	releases := 0
	for _, rec := range recs {
		if rec.Type == meetingrooms.EventReservationReleased {
			releases++
		}
	}
	if releases != 1 {
		t.Fatalf("%d releases on the old day, want 1", releases)
	}
	completeFromFive(r.ReservationID) // completed: nothing more happens
	if n, _ := f.store.Store.ReadStream(ctx, meetingrooms.RoomDayStream(rooms[0], r.Day), eventlog.ReadStreamOptions{}); len(n) != len(recs) {
		t.Fatalf("a completed move appended again: %d events, was %d", len(n), len(recs))
	}

	// Cancelled on its old day before anyone completed the move.
	c := f.reserve(t, 8, rooms[0], "2026-03-03 14:00", "2026-03-03 15:00")
	f.store.failReleases.Store(true)
	_, err = f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: c.ReservationID, RoomID: c.RoomID, Day: c.Day,
		ToRoomID: rooms[1], From: at("2026-03-05 11:00"), To: at("2026-03-05 12:00")})
	f.store.failReleases.Store(false)
	if err == nil {
		t.Fatal("the move succeeded although its release failed")
	}
	if _, err := f.h.CancelReservation(ctx, meetingroomscmd.CancelReservation{Actor: access.Actor{UserID: 8}, ReservationID: c.ReservationID, RoomID: c.RoomID, Day: c.Day}); err != nil {
		t.Fatal(err)
	}
	completeFromFive(c.ReservationID)
	if holds(rooms[1], "20260305", c.ReservationID) || holds(rooms[0], c.Day, c.ReservationID) {
		t.Fatal("a cancelled reservation whose move was cut off should hold no slot")
	}
}
