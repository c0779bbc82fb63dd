package engine

import (
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
)

func at(n uint64) eventlog.Position { return eventlog.Position{Commit: n, Prepare: n} }

// TestHubEntryTakesOnlyNews: news of a checkpoint arrives out of order (this
// process's commits at once, notifications later, reloads from earlier
// reads); the entry moves forward within a generation and anywhere to a
// later one, and a stale report never moves it back. The case CI once met:
// after a switch at 480, the new generation's run reached 487 here before
// the switch's own notice arrived; that notice must not undo 487, or a
// waiter for 487 waits for the next event.
func TestHubEntryTakesOnlyNews(t *testing.T) {
	var h hubEntry
	w := h.register(at(487))
	steps := []struct {
		gen     int
		pos     uint64
		wantGen int
		wantPos uint64
	}{
		{1, 300, 1, 300},
		{1, 200, 1, 300},  // an earlier read of the same generation
		{2, 480, 2, 480},  // the switch to generation 2, here
		{2, 487, 2, 487},  // its run's first commit, here
		{2, 480, 2, 487},  // the switch's notice, late
		{1, 999, 2, 487},  // the old generation's last notice, late
		{-1, 490, 2, 490}, // a notice of an earlier release: same generation, forward
		{-1, 100, 2, 490}, // and its "set" going back
		{3, 0, 3, 0},      // a new active generation starts from the beginning
	}
	for i, s := range steps {
		h.update(s.gen, at(s.pos))
		if gen, pos := h.version(); gen != s.wantGen || pos != at(s.wantPos) {
			t.Fatalf("step %d: update(%d, %d) left %d at %s, want %d at %d", i, s.gen, s.pos, gen, pos, s.wantGen, s.wantPos)
		}
		if i == 3 {
			select {
			case <-w.reached:
			default:
				t.Fatal("waiter for 487 not woken at 487")
			}
		}
	}
}

func TestCheckpointNotice(t *testing.T) {
	name, gen, pos, ok := parseCheckpointNotice(checkpointNotice("board", 2, eventlog.Position{Commit: 487, Prepare: 486}))
	if !ok || name != "board" || gen != 2 || pos != (eventlog.Position{Commit: 487, Prepare: 486}) {
		t.Fatalf("round trip: %q %d %s %v", name, gen, pos, ok)
	}
	for payload, wantGen := range map[string]int{
		"board 480/480":     -1, // an earlier release's advance
		"board 480/480 set": -1, // and its switch or reset
		"board 480/480 -3":  -1,
	} {
		if _, gen, _, ok := parseCheckpointNotice(payload); !ok || gen != wantGen {
			t.Errorf("%q: gen %d ok %v, want %d", payload, gen, ok, wantGen)
		}
	}
	for _, payload := range []string{"", "board", "board x/y 2", "board -1/0 2"} {
		if _, _, _, ok := parseCheckpointNotice(payload); ok {
			t.Errorf("%q accepted", payload)
		}
	}
}
