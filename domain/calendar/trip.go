package calendar

import (
	"errors"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Trip is which event holds each source item of one user's trip, folded
// from its caltrip stream.
type Trip struct {
	// Events maps a source id to its event id.
	Events map[string]int64
}

// TripFrom folds a trip stream's history.
func TripFrom(history []eventlog.Envelope) Trip {
	t := Trip{Events: map[string]int64{}}
	for _, env := range history {
		if e, ok := env.Event.(TripSourceClaimed); ok {
			t.Events[e.SourceID] = e.EventID
		}
	}
	return t
}

// ClaimSource decides that the item sourceID of the trip is held by the
// event eventID; nil when it is already held by that event. An item held by
// another event is given to the new one only when replace is set (its event
// was deleted).
func ClaimSource(t Trip, userID int64, link TripLink, eventID int64, replace bool, now time.Time) (*TripSourceClaimed, error) {
	link.TripSlug = strings.TrimSpace(link.TripSlug)
	if err := link.Check(); err != nil {
		return nil, err
	}
	if link.TripSlug == "" {
		return nil, fault.Invalidf("related_trip_slug", "This field may not be blank.")
	}
	if link.SourceID == "" {
		return nil, fault.Invalidf("source_id", "This field may not be blank.")
	}
	if held, ok := t.Events[link.SourceID]; ok {
		if held == eventID {
			return nil, nil
		}
		if !replace {
			return nil, errors.New("calendar: trip source already held by another event")
		}
	}
	return &TripSourceClaimed{UserID: userID, TripSlug: link.TripSlug, SourceApp: link.SourceApp, SourceID: link.SourceID,
		EventID: eventID, ClaimedAt: now}, nil
}
