package trips

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/trips"
)

// React is a caller's like or check-in of a trip the edge found visible
// (POST /trips/{slug}/like/, /checkin/). Caller identifies the caller
// ("u<id>" or an anonymous address's "a<digest>", docs/roamio.md).
type React struct {
	TripID int64
	Kind   string
	Caller string
	UserID int64
	Meta   eventlog.Metadata
}

// Reacted tells whether the reaction was counted now (false: counted
// before).
type Reacted struct {
	Counted  bool
	Position eventlog.Position
}

// React appends the first reaction of the caller's kind; later ones append
// nothing.
func (h *Handlers) React(ctx context.Context, cmd React) (Reacted, error) {
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLastOptimistic(ctx, trips.ReactionStream(cmd.TripID, cmd.Kind, cmd.Caller), cmd.Meta,
		func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			return trips.React(last, cmd.TripID, cmd.Kind, cmd.Caller, cmd.UserID, now), nil
		})
	return Reacted{Counted: len(res.Events) > 0, Position: res.Append.Position}, err
}

// View is a caller's view of a trip's detail.
type View struct {
	TripID int64
	Caller string
	Meta   eventlog.Metadata
}

// View appends TripViewed unless the caller's last counted view is within
// trips.ViewWindow.
func (h *Handlers) View(ctx context.Context, cmd View) (Reacted, error) {
	now := h.now(&cmd.Meta)
	res, err := h.runner.ExecuteLastOptimistic(ctx, trips.ViewStream(cmd.TripID, cmd.Caller), cmd.Meta,
		func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			return trips.View(last, cmd.TripID, cmd.Caller, now), nil
		})
	return Reacted{Counted: len(res.Events) > 0, Position: res.Append.Position}, err
}
