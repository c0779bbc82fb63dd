package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
)

// countingDecoder decodes an event into a value naming its id and counts the
// calls; events of type "Bad" fail.
type countingDecoder struct{ calls atomic.Int64 }

type decodedName struct{ Name string }

func (decodedName) EventType() string { return "Decoded" }

func (d *countingDecoder) Decode(r eventlog.RecordedEvent) (eventlog.Envelope, error) {
	d.calls.Add(1)
	if r.Type == "Bad" {
		return eventlog.Envelope{Recorded: r}, errors.New("bad event")
	}
	return eventlog.Envelope{Recorded: r, Event: decodedName{Name: "decoded " + r.ID}}, nil
}

func recordAt(i uint64) eventlog.RecordedEvent {
	return eventlog.RecordedEvent{ID: fmt.Sprintf("ev-%d", i), Position: eventlog.Position{Commit: i, Prepare: i}, Type: "Ok", Data: []byte(`{}`)}
}

// TestSharedDecoderDecodesOncePerEvent: readers of the same event after the
// first get its decoding with their own RecordedEvent; another event in the
// same slot, or one that failed, is decoded again; 8 goroutines reading the
// same stretch of the log side by side, through a table far smaller than it,
// always get their own event's decoding.
func TestSharedDecoderDecodesOncePerEvent(t *testing.T) {
	next := &countingDecoder{}
	d := newSharedDecoder(next, 4) // 16 slots
	first := recordAt(1)
	if _, err := d.Decode(first); err != nil {
		t.Fatal(err)
	}
	again := first
	again.StreamID = "the second reader's copy"
	env, err := d.Decode(again)
	if err != nil {
		t.Fatal(err)
	}
	if n := next.calls.Load(); n != 1 {
		t.Fatalf("the same event was decoded %d times", n)
	}
	if env.Recorded.StreamID != again.StreamID || env.Event.(decodedName).Name != "decoded ev-1" {
		t.Fatalf("second reader got %+v", env)
	}
	// The same position with another id (another store, a reset log) is
	// another event.
	other := first
	other.ID = "ev-other"
	if env, _ := d.Decode(other); env.Event.(decodedName).Name != "decoded ev-other" {
		t.Fatalf("an event with the position of a cached one got %+v", env.Event)
	}
	bad := recordAt(2)
	bad.Type = "Bad"
	for range 2 {
		if _, err := d.Decode(bad); err == nil {
			t.Fatal("a failing event decoded")
		}
	}
	if n := next.calls.Load(); n != 4 {
		t.Fatalf("%d decodings, want 4 (two events, one failing twice)", n)
	}

	// Under contention for the 16 slots (how many readers the table answers
	// then depends on the scheduler; the race detector checks the rest).
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := uint64(100); i < 2100; i++ {
				r := recordAt(i + uint64(g%2)) // two readers a step apart
				env, err := d.Decode(r)
				if err != nil {
					t.Error(err)
					return
				}
				if got, want := env.Event.(decodedName).Name, "decoded "+r.ID; got != want || env.Recorded.ID != r.ID {
					t.Errorf("event %s decoded as %q (record %s)", r.ID, got, env.Recorded.ID)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSharedDecoderKeepsOnlyEventsWithTwoReaders: an event that only one
// consumer's filter lets through is decoded every time and not kept; a
// filter without categories or without event types lets every category or
// type through.
func TestSharedDecoderKeepsOnlyEventsWithTwoReaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		filters []eventlog.Filter
		kept    map[string]bool // by stream and type
	}{
		{"by type", []eventlog.Filter{{EventTypes: []string{"A"}}, {EventTypes: []string{"A", "B"}}},
			map[string]bool{"x-1 A": true, "x-1 B": false, "x-1 C": false}},
		{"by category", []eventlog.Filter{{Categories: []string{"x"}}, {Categories: []string{"x", "y"}, EventTypes: []string{"B"}}},
			map[string]bool{"x-1 A": false, "x-1 B": true, "y-1 B": false, "z-1 B": false}},
		{"every category and type", []eventlog.Filter{{Categories: []string{"x"}}, {}},
			map[string]bool{"x-1 A": true, "x-1 B": true, "y-1 A": false}},
		{"one reader each", []eventlog.Filter{{Categories: []string{"x"}}, {Categories: []string{"y"}}, {EventTypes: []string{"C"}}},
			map[string]bool{"x-1 A": false, "y-1 B": false, "x-1 C": true, "z-1 C": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &countingDecoder{}
			d := newSharedDecoder(next, 4)
			d.shareReadsOf(tc.filters)
			i := uint64(0)
			for event, kept := range tc.kept {
				i++
				r := recordAt(i)
				r.StreamID, r.Type, _ = strings.Cut(event, " ")
				before := next.calls.Load()
				for range 2 {
					env, err := d.Decode(r)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := env.Event.(decodedName).Name, "decoded "+r.ID; got != want {
						t.Fatalf("%s: decoded as %q", event, got)
					}
				}
				if calls, want := next.calls.Load()-before, map[bool]int64{true: 1, false: 2}[kept]; calls != want {
					t.Errorf("%s read twice: %d decodings, want %d", event, calls, want)
				}
			}
		})
	}
}
