package trips

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// React decides a caller's like or check-in of a trip: the first one on
// its stream is recorded, any later one appends nothing (last is the
// stream's last event, nil for none).
func React(last *eventlog.Envelope, tripID int64, kind, caller string, userID int64, now time.Time) []eventlog.Event {
	if last != nil {
		return nil
	}
	if kind == KindCheckin {
		return []eventlog.Event{TripCheckedIn{TripID: tripID, Caller: caller, UserID: userID, CheckedInAt: now}}
	}
	return []eventlog.Event{TripLiked{TripID: tripID, Caller: caller, UserID: userID, LikedAt: now}}
}

// View decides whether a caller's view counts: the first, and then one per
// ViewWindow.
func View(last *eventlog.Envelope, tripID int64, caller string, now time.Time) []eventlog.Event {
	if last != nil {
		if v, ok := last.Event.(TripViewed); ok && now.Sub(v.ViewedAt) < ViewWindow {
			return nil
		}
	}
	return []eventlog.Event{TripViewed{TripID: tripID, Caller: caller, ViewedAt: now}}
}
