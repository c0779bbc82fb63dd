// Package replay computes an aggregate's state at any point of its stream
// (the "time travel" of an audit): the stream's events up to a version or a
// time, folded through the domain's own functions. logctl's state command
// and the operator console share it. Categories without a replayer show
// their last event instead.
//
// It is pure: callers read the stream (eventlog.Store) and decode it
// (eventlog.Decoder); Fold does the rest.
package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/sequence"
)

// replayer rebuilds the state of an aggregate from its events.
type replayer func([]eventlog.Event) (any, error)

// replayers are the categories whose aggregates the domain can rebuild.
func replayers() map[string]replayer {
	return map[string]replayer{
		identity.UserCategory:  userState,
		cards.BatchCategory:    func(evs []eventlog.Event) (any, error) { return cards.BatchFrom(evs), nil },
		cards.TemplateCategory: func(evs []eventlog.Event) (any, error) { return cards.TemplateFrom(evs), nil },
		sequence.Category: func(evs []eventlog.Event) (any, error) {
			if len(evs) == 0 {
				return nil, nil
			}
			return evs[len(evs)-1], nil
		},
	}
}

// userState is a user's state as an audit shows it. The address is sealed
// personal data (UserRegistered_v2): the log holds only its digest.
// Accounts registered by v1 events still carry it in clear.
func userState(evs []eventlog.Event) (any, error) {
	u, err := identity.UserFromHistory(evs)
	if err != nil {
		return nil, err
	}
	state := map[string]any{
		"id": u.ID(), "username": u.Username(), "email_digest": u.EmailDigest(), "is_admin": u.IsAdmin(),
		"is_active": u.IsActive(), "has_password": u.HasPassword(), "date_joined": u.DateJoined(),
		"last_login": u.LastLogin(),
	}
	if e := u.Email(); e != "" {
		state["email"] = e
	}
	return state, nil
}

// Categories lists the categories with a domain replayer, sorted.
func Categories() []string {
	var out []string
	for c := range replayers() {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// HasReplayer reports whether the domain rebuilds aggregates of category.
func HasReplayer(category string) bool {
	_, ok := replayers()[category]
	return ok
}

// Until says how far into a stream to replay: events up to Version
// (inclusive) recorded at or before At. The zero Until replays nothing:
// use Latest, or set both fields.
type Until struct {
	Version uint64
	// At is a time (zero: no limit by time).
	At time.Time
}

// Latest replays the whole stream.
func Latest() Until { return Until{Version: math.MaxUint64} }

// AtVersion replays up to version v (inclusive).
func AtVersion(v uint64) Until { return Until{Version: v} }

// AtTime replays the events recorded at or before t.
func AtTime(t time.Time) Until { return Until{Version: math.MaxUint64, At: t} }

// Includes reports whether rec is replayed. Events come in stream order,
// so the first one it refuses ends the replay.
func (u Until) Includes(rec eventlog.RecordedEvent) bool {
	return rec.Version <= u.Version && (u.At.IsZero() || !rec.RecordedAt.After(u.At))
}

// State is an aggregate's state after some events of its stream.
type State struct {
	Stream     string    `json:"stream"`
	Version    uint64    `json:"version"`
	Position   string    `json:"position"`
	RecordedAt time.Time `json:"recorded_at"`
	Events     int       `json:"events"`
	// Replayed says how State was computed: "domain", or why not.
	Replayed string `json:"replayed_by"`
	// State is the domain's view of the aggregate; LastEvent, the last
	// event, when the category has no replayer.
	State     any             `json:"state"`
	LastEvent json.RawMessage `json:"last_event,omitempty"`
}

// ErrNoEvents is a replay that selected no event of the stream.
var ErrNoEvents = errors.New("the stream has no events at that version or time")

// NoReplayer is State.Replayed of a category without a replayer.
const NoReplayer = "none (no replayer for this category: the last event is shown)"

// Fold replays the envelopes of stream (its events in order, as far as
// the caller read them, see Until) through the domain.
func Fold(stream string, envs []eventlog.Envelope) (State, error) {
	if len(envs) == 0 {
		return State{}, fmt.Errorf("stream %s: %w", stream, ErrNoEvents)
	}
	last := envs[len(envs)-1].Recorded
	out := State{Stream: stream, Version: last.Version, Position: last.Position.String(), RecordedAt: last.RecordedAt.UTC(), Events: len(envs)}
	evs := make([]eventlog.Event, len(envs))
	for i, e := range envs {
		evs[i] = e.Event
	}
	rp, ok := replayers()[eventlog.Category(stream)]
	if !ok {
		b, err := json.Marshal(evs[len(evs)-1])
		if err != nil {
			return State{}, fmt.Errorf("replay %s: last event: %w", stream, err)
		}
		out.LastEvent, out.Replayed = b, NoReplayer
		return out, nil
	}
	st, err := rp(evs)
	if err != nil {
		return State{}, fmt.Errorf("replay %s: %w", stream, err)
	}
	out.State, out.Replayed = st, "domain"
	return out, nil
}
