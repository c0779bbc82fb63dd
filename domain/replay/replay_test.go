package replay_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/replay"
	"github.com/fiveapis/backend/domain/sequence"
)

// history makes envelopes of stream, one a minute from t0, versions from 0.
func history(stream string, t0 time.Time, evs ...eventlog.Event) []eventlog.Envelope {
	out := make([]eventlog.Envelope, len(evs))
	for i, e := range evs {
		out[i] = eventlog.Envelope{Event: e, Recorded: eventlog.RecordedEvent{StreamID: stream, Version: uint64(i),
			Position: eventlog.Position{Commit: uint64(10 + i), Prepare: uint64(10 + i)}, Type: e.EventType(),
			RecordedAt: t0.Add(time.Duration(i) * time.Minute)}}
	}
	return out
}

// until keeps the envelopes Until selects, as a caller reading the stream does.
func until(envs []eventlog.Envelope, u replay.Until) []eventlog.Envelope {
	var out []eventlog.Envelope
	for _, e := range envs {
		if !u.Includes(e.Recorded) {
			break
		}
		out = append(out, e)
	}
	return out
}

func TestFold(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	user := history("user-7", t0,
		identity.UserRegistered{UserID: 7, Username: "ada", RegisteredAt: t0},
		identity.AdminGranted{UserID: 7, GrantedAt: t0.Add(time.Minute)})

	t.Run("a user at its last version is the domain's view", func(t *testing.T) {
		st, err := replay.Fold("user-7", until(user, replay.Latest()))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := st.State.(map[string]any)
		if st.Replayed != "domain" || st.Version != 1 || st.Events != 2 || st.Position != "11/11" || m["username"] != "ada" || m["is_admin"] != true {
			t.Fatalf("state %+v", st)
		}
	})
	t.Run("at version 0 and at a time before the grant, not an admin yet", func(t *testing.T) {
		for _, u := range []replay.Until{replay.AtVersion(0), replay.AtTime(t0.Add(30 * time.Second))} {
			st, err := replay.Fold("user-7", until(user, u))
			if err != nil {
				t.Fatal(err)
			}
			if m, _ := st.State.(map[string]any); st.Version != 0 || m["is_admin"] != false {
				t.Fatalf("%+v: state %+v", u, st)
			}
		}
	})
	t.Run("nothing selected is ErrNoEvents", func(t *testing.T) {
		if _, err := replay.Fold("user-7", until(user, replay.AtTime(t0.Add(-time.Hour)))); !errors.Is(err, replay.ErrNoEvents) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a category without a replayer shows its last event", func(t *testing.T) {
		st, err := replay.Fold("other-1", history("other-1", t0, sequence.IDsAllocated{Sequence: "x", First: 1, Last: 2, Count: 2}))
		if err != nil || st.Replayed != replay.NoReplayer || st.State != nil || len(st.LastEvent) == 0 {
			t.Fatalf("state %+v, %v", st, err)
		}
	})
	t.Run("the replayers' categories", func(t *testing.T) {
		if !replay.HasReplayer(identity.UserCategory) || replay.HasReplayer("other") || len(replay.Categories()) != 4 {
			t.Fatalf("categories %v", replay.Categories())
		}
	})
}
