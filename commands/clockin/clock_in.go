package clockin

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
)

// ClockIn is a user clocking in at an item of an activity with the payload
// of the QR code they scanned (POST /activities/clockins/{activity}).
type ClockIn struct {
	Actor      access.Actor
	ActivityID int64
	ItemID     int64
	Code       string
	Meta       eventlog.Metadata
}

// ClockInResult is the recorded clock-in and where it landed.
type ClockInResult struct {
	Record   clockin.ClockedIn
	Position eventlog.Position
}

// ClockIn checks, in this order: the activity exists (404), the item is the
// activity's, the code is genuine, the item's and fresh, the item is open,
// the user is enrolled; then appends ClockedIn to clockin-<item>-<user>,
// which must not exist: a second clock-in, concurrent or not, is
// clockin.ErrAlreadyClockedIn.
func (h *Handlers) ClockIn(ctx context.Context, cmd ClockIn) (ClockInResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return ClockInResult{}, err
	}
	now := h.now(&cmd.Meta)
	if err := h.requireActivity(ctx, cmd.ActivityID); err != nil {
		return ClockInResult{}, err
	}
	setup, err := h.LoadSetup(ctx, cmd.ActivityID)
	if err != nil {
		return ClockInResult{}, err
	}
	if _, ok := setup.Item(cmd.ItemID); !ok {
		return ClockInResult{}, clockin.ErrNoSuchItem(cmd.ItemID)
	}
	window, err := h.codes.Check(cmd.Code, cmd.ItemID, now)
	if err != nil {
		return ClockInResult{}, err
	}
	item, err := setup.CheckItem(cmd.ItemID, now)
	if err != nil {
		return ClockInResult{}, err
	}
	enrolled, err := h.activities.Enrolled(ctx, cmd.ActivityID, uid)
	if err != nil {
		return ClockInResult{}, fmt.Errorf("enrolment of user %d in activity %d: %w", uid, cmd.ActivityID, err)
	}
	if !enrolled {
		return ClockInResult{}, clockin.ErrNotEnrolled
	}
	req := clockin.Request{ItemID: cmd.ItemID, UserID: uid, Window: window}
	var rec clockin.ClockedIn
	res, err := h.runner.ExecuteLast(ctx, clockin.RecordStream(cmd.ItemID, uid), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var prev eventlog.Event
		if last != nil {
			prev = last.Event
		}
		rec, err = clockin.ClockIn(item, prev, req, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{rec}, nil
	})
	if err != nil {
		return ClockInResult{}, err
	}
	return ClockInResult{Record: rec, Position: res.Append.Position}, nil
}
