package meetingrooms_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/domain/meetingrooms"
)

// pendingMoves answers the job's port from a list, and records the
// questions it was asked.
type pendingMoves struct {
	moves []meetingroomscmd.PendingMove
	err   error
	asked []time.Time
}

func (p *pendingMoves) PendingMoves(_ context.Context, movedBefore time.Time, limit int) ([]meetingroomscmd.PendingMove, error) {
	p.asked = append(p.asked, movedBefore)
	if limit <= 0 {
		return nil, errors.New("no limit")
	}
	return p.moves, p.err
}

func TestMoveRecoveryJob(t *testing.T) {
	f, rooms := setup(t, 2)
	ctx := context.Background()
	r := f.reserve(t, 7, rooms[0], "2026-03-02 14:00", "2026-03-02 15:00")
	f.store.failReleases.Store(true)
	_, err := f.h.MoveReservation(ctx, meetingroomscmd.MoveReservation{Actor: admin, ReservationID: r.ReservationID, RoomID: r.RoomID, Day: r.Day,
		ToRoomID: rooms[1], From: at("2026-03-05 09:00"), To: at("2026-03-05 10:00")})
	f.store.failReleases.Store(false)
	if err == nil {
		t.Fatal("the move succeeded although its release failed")
	}
	holds := func(room int64, day string) bool {
		return slices.ContainsFunc(f.bookings(t, room, day), func(b meetingrooms.Booking) bool { return b.ReservationID == r.ReservationID })
	}

	pending := &pendingMoves{moves: []meetingroomscmd.PendingMove{{ReservationID: r.ReservationID, RoomID: rooms[1], Day: "20260305"}}}
	jobs := f.h.Jobs(pending)
	if len(jobs) != 1 || jobs[0].Name != meetingroomscmd.MoveRecoveryJob || jobs[0].Every != meetingroomscmd.MoveRecoveryInterval || jobs[0].Validate() != nil {
		t.Fatalf("jobs %+v", jobs)
	}
	now := at("2026-03-01 12:30")
	if err := jobs[0].Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Time{now.Add(-meetingroomscmd.MoveRecoveryAge)}, pending.asked); diff != "" {
		t.Errorf("asked for moves made before (-want +got):\n%s", diff)
	}
	if holds(rooms[0], r.Day) || !holds(rooms[1], "20260305") {
		t.Fatal("after the job the reservation should hold only its new slot")
	}
	// Listed again (the read model lags): nothing more happens.
	if err := jobs[0].Run(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	pending.err = errors.New("read model down")
	if err := jobs[0].Run(ctx, now); err == nil || !strings.Contains(err.Error(), "read model down") {
		t.Fatalf("a failing list: %v", err)
	}
}
