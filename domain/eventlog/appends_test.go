package eventlog

import (
	"context"
	"testing"
)

// TestAppendsReached: a consumer waits for the last append with an event it
// follows, and is told whether that position is one of its own events (it
// gets there by applying it) or an event it skips (it gets there only by a
// progress check).
func TestAppendsReached(t *testing.T) {
	ctx, a := WithAppends(context.Background())
	at := func(n uint64) Position { return Position{Commit: n, Prepare: n} }
	RecordAppend(ctx, "card-1", at(5), "CardUsed_v1")
	RecordAppend(ctx, "user-1", at(7), "UserRenamed_v1")
	RecordAppend(ctx, "card-2", at(9), "CardUsed_v1", "CardNoted_v1")

	for _, tc := range []struct {
		name  string
		f     Filter
		pos   Position
		exact bool
	}{
		{"category: its last event", Filter{Categories: []string{"card"}}, at(9), true},
		{"type: skips the append's last event", Filter{EventTypes: []string{"CardUsed_v1"}}, at(9), false},
		{"the user's stream", Filter{Categories: []string{"user"}}, at(7), true},
		{"everything", Filter{}, at(9), true},
		{"nothing appended it follows", Filter{Categories: []string{"trip"}}, Start, false},
	} {
		pos, exact := a.Reached(tc.f)
		if pos != tc.pos || exact != tc.exact {
			t.Errorf("%s: Reached = %v, %v; want %v, %v", tc.name, pos, exact, tc.pos, tc.exact)
		}
	}
	if a.Last() != at(9) {
		t.Errorf("Last = %v", a.Last())
	}
}
