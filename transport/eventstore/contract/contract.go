// Package contract is the contract test suite of the event store port
// (eventlog.Store). Every adapter runs it from its own tests:
//
//	func TestContract(t *testing.T) {
//		contract.Run(t, func(t *testing.T) eventlog.Store { return newStore(t) })
//	}
//
// The suite tests only what the port documents, with EventStoreDB's behaviour
// as the reference, so it runs unchanged against the PostgreSQL store, the
// EventStoreDB adapter and its in-process fake server. Its subtests run in
// parallel and may share one store: each uses fresh random stream ids and a
// random category of its own, and filters global-log reads by them.
package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// Run runs the contract suite. newStore is called once per subtest and may
// return the same store every time; the adapter closes what it opened (for
// example with t.Cleanup).
func Run(t *testing.T, newStore func(t *testing.T) eventlog.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s eventlog.Store)
	}{
		{"AppendNoStreamStartsAtVersionZero", testAppendNoStream},
		{"AppendNoStreamOnExistingStreamFails", testAppendNoStreamOnExisting},
		{"AppendAny", testAppendAny},
		{"AppendStreamExists", testAppendStreamExists},
		{"AppendExact", testAppendExact},
		{"AppendResultPositionsIncrease", testAppendPositionsIncrease},
		{"IdempotentRetry", testIdempotentRetry},
		{"ReadStreamForwards", testReadStreamForwards},
		{"ReadStreamBackwards", testReadStreamBackwards},
		{"ReadStreamNotFound", testReadStreamNotFound},
		{"ReadAllCategoryFilterFromStart", testReadAllCategoryFromStart},
		{"ReadAllAfterPositionIsExclusive", testReadAllAfterExclusive},
		{"ReadAllMaxPaging", testReadAllPaging},
		{"ReadAllEventTypeFilter", testReadAllEventTypes},
		{"ReadAllUnfiltered", testReadAllUnfiltered},
		{"SubscribeCatchUpThenLive", testSubscribeCatchUpThenLive},
		{"SubscribeAfterPosition", testSubscribeAfter},
		{"SubscribeEventTypeFilter", testSubscribeEventTypes},
		{"SubscribeClose", testSubscribeClose},
		{"SubscribeContextEnds", testSubscribeContext},
		{"DeleteStream", testDeleteStream},
		{"DeleteStreamNotFound", testDeleteStreamNotFound},
		{"DeleteStreamWrongVersion", testDeleteStreamWrongVersion},
		{"PayloadAndMetadataRoundTrip", testRoundTrip},
		{"RecordedAt", testRecordedAt},
		{"ConcurrentOptimisticAppends", testConcurrentOptimistic},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
}

// testTimeout bounds every subtest; live subscription steps must complete
// well within it, which a store relying on a slow poll would not.
const testTimeout = 60 * time.Second

// recvTimeout bounds one Recv of an event that is already committed.
const recvTimeout = 10 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newCategory returns a fresh category: "t" and 10 random lowercase letters.
func newCategory() string {
	b := make([]byte, 11)
	rand.Read(b) //nolint:errcheck // never fails
	b[0] = 't'
	for i := 1; i < len(b); i++ {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}

// newStream returns a fresh stream id in category.
func newStream(category string) string {
	return eventlog.StreamID(category, uuid.NewString()[:8]+uuid.NewString()[:8])
}

// newType returns a fresh versioned event type name.
func newType(name string) string {
	return fmt.Sprintf("%s%s_v1", name, newCategory())
}

func newEvent(typ string, n int) eventlog.EventData {
	id := uuid.NewString()
	return eventlog.EventData{
		ID:       id,
		Type:     typ,
		Data:     fmt.Appendf(nil, `{"n":%d,"id":%q}`, n, id),
		Metadata: fmt.Appendf(nil, `{"correlation_id":%q}`, id),
	}
}

func newEvents(typ string, n int) []eventlog.EventData {
	evs := make([]eventlog.EventData, n)
	for i := range evs {
		evs[i] = newEvent(typ, i)
	}
	return evs
}

// summary is the part of a recorded event the suite compares.
type summary struct {
	ID      string
	Stream  string
	Version uint64
	Type    string
}

func summarize(evs []eventlog.RecordedEvent) []summary {
	out := make([]summary, len(evs))
	for i, e := range evs {
		out[i] = summary{ID: e.ID, Stream: e.StreamID, Version: e.Version, Type: e.Type}
	}
	return out
}

func want(stream string, firstVersion uint64, evs ...eventlog.EventData) []summary {
	out := make([]summary, len(evs))
	for i, e := range evs {
		out[i] = summary{ID: e.ID, Stream: stream, Version: firstVersion + uint64(i), Type: e.Type}
	}
	return out
}

func mustAppend(t *testing.T, ctx context.Context, s eventlog.Store, stream string, exp eventlog.ExpectedVersion, evs ...eventlog.EventData) eventlog.AppendResult {
	t.Helper()
	res, err := s.Append(ctx, stream, exp, evs)
	if err != nil {
		t.Fatalf("Append(%s, %s, %d events): %v", stream, exp, len(evs), err)
	}
	return res
}

func mustRead(t *testing.T, ctx context.Context, s eventlog.Store, stream string, opts eventlog.ReadStreamOptions) []eventlog.RecordedEvent {
	t.Helper()
	evs, err := s.ReadStream(ctx, stream, opts)
	if err != nil {
		t.Fatalf("ReadStream(%s, %+v): %v", stream, opts, err)
	}
	return evs
}

// readAllMatching pages through the global log after `after` with filter and
// max, keeping the events of the given streams (all when streams is empty),
// until it has want of them or a page comes back empty.
func readAllMatching(t *testing.T, ctx context.Context, s eventlog.Store, after eventlog.Position, f eventlog.Filter, max, want int, streams ...string) []eventlog.RecordedEvent {
	t.Helper()
	var out []eventlog.RecordedEvent
	prev := after
	for len(out) < want {
		page, err := s.ReadAll(ctx, eventlog.ReadAllOptions{After: prev, Filter: f, Max: max})
		if err != nil {
			t.Fatalf("ReadAll(after %s, %+v, max %d): %v", prev, f, max, err)
		}
		if len(page) == 0 {
			break
		}
		if max > 0 && len(page) > max {
			t.Fatalf("ReadAll(max %d) returned %d events", max, len(page))
		}
		for _, e := range page {
			if !prev.Less(e.Position) {
				t.Fatalf("ReadAll after %s returned position %s, not increasing", prev, e.Position)
			}
			prev = e.Position
			if len(streams) == 0 || slices.Contains(streams, e.StreamID) {
				out = append(out, e)
			}
		}
	}
	return out
}

func wantWrongVersion(t *testing.T, err error, actual *uint64) {
	t.Helper()
	if !errors.Is(err, eventlog.ErrWrongExpectedVersion) {
		t.Fatalf("got error %v, want one matching ErrWrongExpectedVersion", err)
	}
	var wv *eventlog.WrongVersionError
	if !errors.As(err, &wv) {
		t.Fatalf("got error %T %v, want a *eventlog.WrongVersionError", err, err)
	}
	if diff := cmp.Diff(actual, wv.Actual); diff != "" {
		t.Errorf("WrongVersionError.Actual (-want +got):\n%s", diff)
	}
}

func ptr(v uint64) *uint64 { return &v }

func testAppendNoStream(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	evs := newEvents(newType("Created"), 3)
	res := mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	if res.NextVersion != 2 {
		t.Errorf("NextVersion = %d, want 2 (versions are 0-based)", res.NextVersion)
	}
	got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{})
	if diff := cmp.Diff(want(stream, 0, evs...), summarize(got)); diff != "" {
		t.Fatalf("ReadStream (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if !got[i-1].Position.Less(got[i].Position) {
			t.Errorf("positions not increasing: %s then %s", got[i-1].Position, got[i].Position)
		}
	}
	if res.Position != got[2].Position {
		t.Errorf("AppendResult.Position = %s, want the last event's position %s", res.Position, got[2].Position)
	}
	if res.Position.IsStart() {
		t.Errorf("AppendResult.Position is Start")
	}
}

func testAppendNoStreamOnExisting(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	typ := newType("Created")
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), newEvents(typ, 3)...)
	_, err := s.Append(ctx, stream, eventlog.NoStream(), newEvents(typ, 1))
	wantWrongVersion(t, err, ptr(2))
	if got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{}); len(got) != 3 {
		t.Errorf("stream has %d events after a failed append, want 3", len(got))
	}
}

func testAppendAny(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	typ := newType("Noted")
	e1, e2 := newEvents(typ, 2), newEvents(typ, 1)
	if res := mustAppend(t, ctx, s, stream, eventlog.Any(), e1...); res.NextVersion != 1 {
		t.Errorf("first Any append: NextVersion = %d, want 1", res.NextVersion)
	}
	if res := mustAppend(t, ctx, s, stream, eventlog.Any(), e2...); res.NextVersion != 2 {
		t.Errorf("second Any append: NextVersion = %d, want 2", res.NextVersion)
	}
	got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{})
	if diff := cmp.Diff(want(stream, 0, append(e1, e2...)...), summarize(got)); diff != "" {
		t.Fatalf("ReadStream (-want +got):\n%s", diff)
	}
}

func testAppendStreamExists(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	typ := newType("Noted")
	_, err := s.Append(ctx, stream, eventlog.StreamExists(), newEvents(typ, 1))
	wantWrongVersion(t, err, nil)
	if _, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{}); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Fatalf("ReadStream after failed StreamExists append: %v, want ErrStreamNotFound", err)
	}
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), newEvents(typ, 1)...)
	if res := mustAppend(t, ctx, s, stream, eventlog.StreamExists(), newEvents(typ, 2)...); res.NextVersion != 2 {
		t.Errorf("StreamExists append: NextVersion = %d, want 2", res.NextVersion)
	}
}

func testAppendExact(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	typ := newType("Noted")
	_, err := s.Append(ctx, stream, eventlog.Exact(0), newEvents(typ, 1))
	wantWrongVersion(t, err, nil)

	res := mustAppend(t, ctx, s, stream, eventlog.NoStream(), newEvents(typ, 3)...)
	for _, v := range []uint64{0, 1, 3, 7} {
		_, err := s.Append(ctx, stream, eventlog.Exact(v), newEvents(typ, 1))
		wantWrongVersion(t, err, ptr(2))
	}
	res2 := mustAppend(t, ctx, s, stream, eventlog.Exact(res.NextVersion), newEvents(typ, 2)...)
	if res2.NextVersion != 4 {
		t.Errorf("Exact(2) append: NextVersion = %d, want 4", res2.NextVersion)
	}
	if !res.Position.Less(res2.Position) {
		t.Errorf("positions: %s then %s, want increasing", res.Position, res2.Position)
	}
	mustAppend(t, ctx, s, stream, eventlog.AfterVersion(ptr(4)), newEvents(typ, 1)...)
	if got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{}); len(got) != 6 {
		t.Errorf("stream has %d events, want 6", len(got))
	}
}

func testAppendPositionsIncrease(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	typ := newType("Noted")
	var prev eventlog.Position
	for i := range 5 {
		res := mustAppend(t, ctx, s, newStream(cat), eventlog.NoStream(), newEvents(typ, i+1)...)
		if res.NextVersion != uint64(i) {
			t.Errorf("append of %d events to a new stream: NextVersion = %d, want %d", i+1, res.NextVersion, i)
		}
		if !prev.Less(res.Position) {
			t.Errorf("append %d: position %s not after %s", i, res.Position, prev)
		}
		prev = res.Position
	}
}

func testIdempotentRetry(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	stream := newStream(cat)
	typ := newType("Noted")

	first := newEvents(typ, 2)
	r1 := mustAppend(t, ctx, s, stream, eventlog.NoStream(), first...)
	if again := mustAppend(t, ctx, s, stream, eventlog.NoStream(), first...); again != r1 {
		t.Errorf("retry of NoStream append = %+v, want the original %+v", again, r1)
	}

	second := newEvents(typ, 3)
	r2 := mustAppend(t, ctx, s, stream, eventlog.Exact(r1.NextVersion), second...)
	if again := mustAppend(t, ctx, s, stream, eventlog.Exact(r1.NextVersion), second...); again != r2 {
		t.Errorf("retry of Exact append = %+v, want the original %+v", again, r2)
	}

	// A retry that arrives after the stream moved on still gets the original.
	third := newEvents(typ, 1)
	mustAppend(t, ctx, s, stream, eventlog.Exact(r2.NextVersion), third...)
	if again := mustAppend(t, ctx, s, stream, eventlog.Exact(r1.NextVersion), second...); again != r2 {
		t.Errorf("late retry of Exact append = %+v, want the original %+v", again, r2)
	}

	all := append(append(slices.Clone(first), second...), third...)
	got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{})
	if diff := cmp.Diff(want(stream, 0, all...), summarize(got)); diff != "" {
		t.Fatalf("ReadStream after retries (-want +got):\n%s", diff)
	}
	inLog := readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{Categories: []string{cat}}, 0, len(all)+1)
	if diff := cmp.Diff(want(stream, 0, all...), summarize(inLog)); diff != "" {
		t.Fatalf("global log after retries (-want +got):\n%s", diff)
	}
}

func testReadStreamForwards(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	evs := newEvents(newType("Noted"), 5)
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	for _, tc := range []struct {
		name string
		opts eventlog.ReadStreamOptions
		want []summary
	}{
		{"all", eventlog.ReadStreamOptions{}, want(stream, 0, evs...)},
		{"from 2", eventlog.ReadStreamOptions{From: 2}, want(stream, 2, evs[2:]...)},
		{"max 2", eventlog.ReadStreamOptions{Max: 2}, want(stream, 0, evs[:2]...)},
		{"from 1 max 3", eventlog.ReadStreamOptions{From: 1, Max: 3}, want(stream, 1, evs[1:4]...)},
		{"from last", eventlog.ReadStreamOptions{From: 4}, want(stream, 4, evs[4])},
		{"past the end", eventlog.ReadStreamOptions{From: 5}, want(stream, 0)},
	} {
		got := mustRead(t, ctx, s, stream, tc.opts)
		if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
			t.Errorf("%s: ReadStream (-want +got):\n%s", tc.name, diff)
		}
	}
}

func reversed(xs []summary) []summary {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}

func testReadStreamBackwards(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	evs := newEvents(newType("Noted"), 5)
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	all := want(stream, 0, evs...)
	for _, tc := range []struct {
		name string
		opts eventlog.ReadStreamOptions
		want []summary
	}{
		{"from end", eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true}, reversed(all)},
		{"from end max 1", eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 1}, all[4:]},
		{"from end max 2", eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 2}, reversed(all[3:])},
		{"from 3 max 2", eventlog.ReadStreamOptions{Direction: eventlog.Backwards, From: 3, Max: 2}, reversed(all[2:4])},
		{"from 0", eventlog.ReadStreamOptions{Direction: eventlog.Backwards, From: 0}, all[:1]},
	} {
		got := mustRead(t, ctx, s, stream, tc.opts)
		if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
			t.Errorf("%s: ReadStream (-want +got):\n%s", tc.name, diff)
		}
	}
}

func testReadStreamNotFound(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	for _, opts := range []eventlog.ReadStreamOptions{
		{},
		{Direction: eventlog.Backwards, FromEnd: true, Max: 1},
	} {
		if _, err := s.ReadStream(ctx, stream, opts); !errors.Is(err, eventlog.ErrStreamNotFound) {
			t.Errorf("ReadStream(%+v) of an absent stream: %v, want ErrStreamNotFound", opts, err)
		}
	}
}

func testReadAllCategoryFromStart(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	catA, catB := newCategory(), newCategory()
	typ := newType("Noted")
	a1, b1, a2 := newStream(catA), newStream(catB), newStream(catA)
	evA1, evB1, evA2 := newEvents(typ, 2), newEvents(typ, 2), newEvents(typ, 1)
	mustAppend(t, ctx, s, a1, eventlog.NoStream(), evA1...)
	mustAppend(t, ctx, s, b1, eventlog.NoStream(), evB1...)
	mustAppend(t, ctx, s, a2, eventlog.NoStream(), evA2...)

	got := readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{Categories: []string{catA}}, 0, 4)
	wantA := append(want(a1, 0, evA1...), want(a2, 0, evA2...)...)
	if diff := cmp.Diff(wantA, summarize(got)); diff != "" {
		t.Errorf("ReadAll category %s (-want +got):\n%s", catA, diff)
	}
	got = readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{Categories: []string{catA, catB}}, 0, 6)
	wantAB := append(append(want(a1, 0, evA1...), want(b1, 0, evB1...)...), want(a2, 0, evA2...)...)
	if diff := cmp.Diff(wantAB, summarize(got)); diff != "" {
		t.Errorf("ReadAll categories %s, %s (-want +got):\n%s", catA, catB, diff)
	}
}

func testReadAllAfterExclusive(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	stream := newStream(cat)
	evs := newEvents(newType("Noted"), 4)
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	all := readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{Categories: []string{cat}}, 0, 5)
	if len(all) != 4 {
		t.Fatalf("ReadAll found %d events, want 4", len(all))
	}
	got := readAllMatching(t, ctx, s, all[1].Position, eventlog.Filter{Categories: []string{cat}}, 0, 5)
	if diff := cmp.Diff(want(stream, 2, evs[2:]...), summarize(got)); diff != "" {
		t.Errorf("ReadAll after the second event (-want +got):\n%s", diff)
	}
	got = readAllMatching(t, ctx, s, all[3].Position, eventlog.Filter{Categories: []string{cat}}, 0, 1)
	if len(got) != 0 {
		t.Errorf("ReadAll after the last event returned %v, want nothing", summarize(got))
	}
}

func testReadAllPaging(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	typ := newType("Noted")
	s1, s2 := newStream(cat), newStream(cat)
	e1, e2 := newEvents(typ, 3), newEvents(typ, 4)
	mustAppend(t, ctx, s, s1, eventlog.NoStream(), e1...)
	mustAppend(t, ctx, s, s2, eventlog.NoStream(), e2...)
	f := eventlog.Filter{Categories: []string{cat}}

	page, err := s.ReadAll(ctx, eventlog.ReadAllOptions{Filter: f, Max: 2})
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if diff := cmp.Diff(want(s1, 0, e1[:2]...), summarize(page)); diff != "" {
		t.Errorf("first page of 2 (-want +got):\n%s", diff)
	}
	got := readAllMatching(t, ctx, s, eventlog.Start, f, 2, 8)
	wantAll := append(want(s1, 0, e1...), want(s2, 0, e2...)...)
	if diff := cmp.Diff(wantAll, summarize(got)); diff != "" {
		t.Errorf("pages of 2 (-want +got):\n%s", diff)
	}
}

func testReadAllEventTypes(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	catA, catB := newCategory(), newCategory()
	created, renamed, closed := newType("Created"), newType("Renamed"), newType("Closed")
	a, b := newStream(catA), newStream(catB)
	ea := []eventlog.EventData{newEvent(created, 0), newEvent(renamed, 1), newEvent(closed, 2)}
	eb := []eventlog.EventData{newEvent(created, 0), newEvent(renamed, 1)}
	mustAppend(t, ctx, s, a, eventlog.NoStream(), ea...)
	mustAppend(t, ctx, s, b, eventlog.NoStream(), eb...)

	got := readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{EventTypes: []string{created, closed}}, 0, 3)
	wantTypes := []summary{want(a, 0, ea[0])[0], want(a, 2, ea[2])[0], want(b, 0, eb[0])[0]}
	if diff := cmp.Diff(wantTypes, summarize(got)); diff != "" {
		t.Errorf("ReadAll types %s, %s (-want +got):\n%s", created, closed, diff)
	}
	got = readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{Categories: []string{catB}, EventTypes: []string{renamed}}, 0, 2)
	if diff := cmp.Diff(want(b, 1, eb[1]), summarize(got)); diff != "" {
		t.Errorf("ReadAll category %s type %s (-want +got):\n%s", catB, renamed, diff)
	}
}

func testReadAllUnfiltered(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	typ := newType("Noted")
	s1, s2 := newStream(cat), newStream(cat)
	before := mustAppend(t, ctx, s, s1, eventlog.NoStream(), newEvent(typ, 0))
	e1, e2 := newEvents(typ, 2), newEvents(typ, 2)
	mustAppend(t, ctx, s, s2, eventlog.NoStream(), e1...)
	mustAppend(t, ctx, s, s1, eventlog.Exact(0), e2...)
	// Other tests may append to a shared store meanwhile: keep our streams.
	got := readAllMatching(t, ctx, s, before.Position, eventlog.Filter{}, 0, 4, s1, s2)
	wantAll := append(want(s2, 0, e1...), want(s1, 1, e2...)...)
	if diff := cmp.Diff(wantAll, summarize(got)); diff != "" {
		t.Errorf("unfiltered ReadAll after the first append (-want +got):\n%s", diff)
	}
}

func recv(t *testing.T, ctx context.Context, sub eventlog.Subscription) eventlog.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, recvTimeout)
	defer cancel()
	e, err := sub.Recv(ctx)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return e
}

func recvN(t *testing.T, ctx context.Context, sub eventlog.Subscription, n int) []eventlog.RecordedEvent {
	t.Helper()
	out := make([]eventlog.RecordedEvent, 0, n)
	for range n {
		e := recv(t, ctx, sub)
		if len(out) > 0 && !out[len(out)-1].Position.Less(e.Position) {
			t.Fatalf("subscription delivered position %s after %s", e.Position, out[len(out)-1].Position)
		}
		out = append(out, e)
	}
	return out
}

// expectNothing checks that the subscription has nothing to deliver now.
func expectNothing(t *testing.T, ctx context.Context, sub eventlog.Subscription) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if e, err := sub.Recv(ctx); err == nil {
		t.Fatalf("Recv delivered %+v, want nothing", summarize([]eventlog.RecordedEvent{e}))
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv: %v, want context.DeadlineExceeded", err)
	}
}

func subscribe(t *testing.T, ctx context.Context, s eventlog.Store, opts eventlog.SubscribeOptions) eventlog.Subscription {
	t.Helper()
	sub, err := s.SubscribeAll(ctx, opts)
	if err != nil {
		t.Fatalf("SubscribeAll(%+v): %v", opts, err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

func testSubscribeCatchUpThenLive(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	typ := newType("Noted")
	s1, s2, other := newStream(cat), newStream(cat), newStream(newCategory())
	e1 := newEvents(typ, 3)
	mustAppend(t, ctx, s, s1, eventlog.NoStream(), e1...)
	mustAppend(t, ctx, s, other, eventlog.NoStream(), newEvents(typ, 2)...)

	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{cat}}})
	got := recvN(t, ctx, sub, 3)
	if diff := cmp.Diff(want(s1, 0, e1...), summarize(got)); diff != "" {
		t.Fatalf("caught-up events (-want +got):\n%s", diff)
	}
	expectNothing(t, ctx, sub)

	// Live events, appended while a Recv is waiting.
	e2, e3 := newEvents(typ, 2), newEvents(typ, 1)
	done := make(chan []eventlog.RecordedEvent, 1)
	go func() {
		var evs []eventlog.RecordedEvent
		for range 3 {
			ctx, cancel := context.WithTimeout(ctx, recvTimeout)
			e, err := sub.Recv(ctx)
			cancel()
			if err != nil {
				t.Errorf("live Recv: %v", err)
				break
			}
			evs = append(evs, e)
		}
		done <- evs
	}()
	time.Sleep(50 * time.Millisecond)
	mustAppend(t, ctx, s, s2, eventlog.NoStream(), e2...)
	mustAppend(t, ctx, s, other, eventlog.Any(), newEvents(typ, 1)...)
	mustAppend(t, ctx, s, s1, eventlog.Exact(2), e3...)
	live := <-done
	wantLive := append(want(s2, 0, e2...), want(s1, 3, e3...)...)
	if diff := cmp.Diff(wantLive, summarize(live)); diff != "" {
		t.Fatalf("live events (-want +got):\n%s", diff)
	}
	all := append(got, live...)
	for i := 1; i < len(all); i++ {
		if !all[i-1].Position.Less(all[i].Position) {
			t.Errorf("subscription positions not increasing: %s then %s", all[i-1].Position, all[i].Position)
		}
	}
	expectNothing(t, ctx, sub)
}

func testSubscribeAfter(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	stream := newStream(cat)
	evs := newEvents(newType("Noted"), 4)
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	f := eventlog.Filter{Categories: []string{cat}}
	stored := readAllMatching(t, ctx, s, eventlog.Start, f, 0, 4)
	if len(stored) != 4 {
		t.Fatalf("ReadAll found %d events, want 4", len(stored))
	}
	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{After: stored[1].Position, Filter: f})
	got := recvN(t, ctx, sub, 2)
	if diff := cmp.Diff(want(stream, 2, evs[2:]...), summarize(got)); diff != "" {
		t.Fatalf("events after the second (-want +got):\n%s", diff)
	}
	if got[0].Position != stored[2].Position {
		t.Errorf("first delivered position %s, want %s", got[0].Position, stored[2].Position)
	}
	expectNothing(t, ctx, sub)
	more := newEvents(newType("Noted"), 1)
	mustAppend(t, ctx, s, stream, eventlog.Exact(3), more...)
	if diff := cmp.Diff(want(stream, 4, more...), summarize(recvN(t, ctx, sub, 1))); diff != "" {
		t.Fatalf("live event (-want +got):\n%s", diff)
	}
}

func testSubscribeEventTypes(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	created, renamed := newType("Created"), newType("Renamed")
	a, b := newStream(cat), newStream(newCategory())
	ea := []eventlog.EventData{newEvent(created, 0), newEvent(renamed, 1), newEvent(renamed, 2)}
	mustAppend(t, ctx, s, a, eventlog.NoStream(), ea...)
	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: eventlog.Filter{EventTypes: []string{renamed}}})
	if diff := cmp.Diff(want(a, 1, ea[1:]...), summarize(recvN(t, ctx, sub, 2))); diff != "" {
		t.Fatalf("caught-up events (-want +got):\n%s", diff)
	}
	eb := []eventlog.EventData{newEvent(created, 0), newEvent(renamed, 1)}
	mustAppend(t, ctx, s, b, eventlog.NoStream(), eb...)
	if diff := cmp.Diff(want(b, 1, eb[1]), summarize(recvN(t, ctx, sub, 1))); diff != "" {
		t.Fatalf("live events (-want +got):\n%s", diff)
	}
	expectNothing(t, ctx, sub)
}

func testSubscribeClose(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	f := eventlog.Filter{Categories: []string{cat}}
	mustAppend(t, ctx, s, newStream(cat), eventlog.NoStream(), newEvents(newType("Noted"), 1)...)

	// Close while a Recv waits for an event.
	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: f})
	recv(t, ctx, sub)
	errc := make(chan error, 1)
	go func() {
		_, err := sub.Recv(ctx)
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, eventlog.ErrSubscriptionClosed) {
			t.Errorf("waiting Recv after Close: %v, want ErrSubscriptionClosed", err)
		}
	case <-time.After(recvTimeout):
		t.Fatalf("Recv still blocked %s after Close", recvTimeout)
	}
	if _, err := sub.Recv(ctx); !errors.Is(err, eventlog.ErrSubscriptionClosed) {
		t.Errorf("Recv after Close: %v, want ErrSubscriptionClosed", err)
	}

	// Recv after Close, with events available.
	sub2 := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: f})
	sub2.Close()
	if _, err := sub2.Recv(ctx); !errors.Is(err, eventlog.ErrSubscriptionClosed) {
		t.Errorf("Recv after Close: %v, want ErrSubscriptionClosed", err)
	}
}

func testSubscribeContext(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	typ := newType("Noted")
	stream := newStream(cat)
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), newEvents(typ, 1)...)
	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{cat}}})
	recv(t, ctx, sub)

	expectNothing(t, ctx, sub) // deadline
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	if _, err := sub.Recv(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Recv with a cancelled context: %v, want context.Canceled", err)
	}
	// The subscription survives its Recv's context and loses nothing.
	more := newEvents(typ, 2)
	mustAppend(t, ctx, s, stream, eventlog.Exact(0), more...)
	if diff := cmp.Diff(want(stream, 1, more...), summarize(recvN(t, ctx, sub, 2))); diff != "" {
		t.Fatalf("events after the cancelled Recv (-want +got):\n%s", diff)
	}
}

func testDeleteStream(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	typ := newType("Noted")
	stream := newStream(cat)
	evs := newEvents(typ, 3)
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	if err := s.DeleteStream(ctx, stream, eventlog.Exact(2)); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	if _, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{}); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Errorf("ReadStream of a deleted stream: %v, want ErrStreamNotFound", err)
	}
	if _, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true}); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Errorf("ReadStream backwards of a deleted stream: %v, want ErrStreamNotFound", err)
	}
	f := eventlog.Filter{Categories: []string{cat}}
	if diff := cmp.Diff(want(stream, 0, evs...), summarize(readAllMatching(t, ctx, s, eventlog.Start, f, 0, 4))); diff != "" {
		t.Errorf("global log after delete (-want +got):\n%s", diff)
	}
	if err := s.DeleteStream(ctx, stream, eventlog.Any()); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Errorf("deleting a deleted stream: %v, want ErrStreamNotFound", err)
	}

	// Appending with NoStream starts the stream again after the deleted versions.
	again := newEvents(typ, 2)
	res := mustAppend(t, ctx, s, stream, eventlog.NoStream(), again...)
	if res.NextVersion != 4 {
		t.Errorf("append after delete: NextVersion = %d, want 4", res.NextVersion)
	}
	got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{})
	if diff := cmp.Diff(want(stream, 3, again...), summarize(got)); diff != "" {
		t.Errorf("ReadStream after re-append (-want +got):\n%s", diff)
	}
	got = mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true})
	if diff := cmp.Diff(reversed(want(stream, 3, again...)), summarize(got)); diff != "" {
		t.Errorf("ReadStream backwards after re-append (-want +got):\n%s", diff)
	}
	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: f})
	if diff := cmp.Diff(append(want(stream, 0, evs...), want(stream, 3, again...)...), summarize(recvN(t, ctx, sub, 5))); diff != "" {
		t.Errorf("subscription after delete and re-append (-want +got):\n%s", diff)
	}

	// Any also starts a deleted stream again.
	other := newStream(cat)
	mustAppend(t, ctx, s, other, eventlog.NoStream(), newEvents(typ, 1)...)
	if err := s.DeleteStream(ctx, other, eventlog.Any()); err != nil {
		t.Fatalf("DeleteStream(Any): %v", err)
	}
	if res := mustAppend(t, ctx, s, other, eventlog.Any(), newEvents(typ, 1)...); res.NextVersion != 1 {
		t.Errorf("Any append after delete: NextVersion = %d, want 1", res.NextVersion)
	}
}

func testDeleteStreamNotFound(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	if err := s.DeleteStream(ctx, newStream(newCategory()), eventlog.Any()); !errors.Is(err, eventlog.ErrStreamNotFound) {
		t.Errorf("deleting an absent stream: %v, want ErrStreamNotFound", err)
	}
}

func testDeleteStreamWrongVersion(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), newEvents(newType("Noted"), 3)...)
	err := s.DeleteStream(ctx, stream, eventlog.Exact(1))
	if !errors.Is(err, eventlog.ErrWrongExpectedVersion) {
		t.Fatalf("DeleteStream(Exact(1)) of a stream at 2: %v, want ErrWrongExpectedVersion", err)
	}
	if got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{}); len(got) != 3 {
		t.Errorf("stream has %d events after a failed delete, want 3", len(got))
	}
}

func testRoundTrip(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	cat := newCategory()
	stream := newStream(cat)
	typ := newType("Noted")
	evs := []eventlog.EventData{
		{
			ID:       uuid.NewString(),
			Type:     typ,
			Data:     []byte("{ \"b\" : 2,\n\t\"a\":[1, 2.50, \"\\u00e9\\n\"], \"é\": \"日本\", \"n\": null }"),
			Metadata: []byte(`{"correlation_id":"c-1","causation_id":"x","user_id":"u-9","client_ip":"203.0.113.7","user_agent":"curl/8 \"q\"","occurred_at":"2024-02-29T23:59:59.123456789Z"}`),
		},
		{ID: uuid.NewString(), Type: typ, Data: []byte(`{}`), Metadata: []byte(`{}`)},
	}
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), evs...)
	check := func(where string, got []eventlog.RecordedEvent) {
		t.Helper()
		if len(got) != len(evs) {
			t.Fatalf("%s: %d events, want %d", where, len(got), len(evs))
		}
		for i, e := range got {
			if e.ID != evs[i].ID || e.StreamID != stream || e.Type != typ {
				t.Errorf("%s: event %d is %s/%s/%s, want %s/%s/%s", where, i, e.ID, e.StreamID, e.Type, evs[i].ID, stream, typ)
			}
			if !bytes.Equal(e.Data, evs[i].Data) {
				t.Errorf("%s: event %d data = %q, want %q", where, i, e.Data, evs[i].Data)
			}
			if !bytes.Equal(e.Metadata, evs[i].Metadata) {
				t.Errorf("%s: event %d metadata = %q, want %q", where, i, e.Metadata, evs[i].Metadata)
			}
		}
	}
	check("ReadStream", mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{}))
	check("ReadAll", readAllMatching(t, ctx, s, eventlog.Start, eventlog.Filter{Categories: []string{cat}}, 0, 2))
	sub := subscribe(t, ctx, s, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{cat}}})
	check("SubscribeAll", recvN(t, ctx, sub, 2))
}

func testRecordedAt(t *testing.T, s eventlog.Store) {
	ctx := testContext(t)
	stream := newStream(newCategory())
	before := time.Now()
	mustAppend(t, ctx, s, stream, eventlog.NoStream(), newEvents(newType("Noted"), 2)...)
	after := time.Now()
	for _, e := range mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{}) {
		// Allow for the clock of a remote server.
		if e.RecordedAt.IsZero() || e.RecordedAt.Before(before.Add(-time.Minute)) || e.RecordedAt.After(after.Add(time.Minute)) {
			t.Errorf("event %d RecordedAt = %v, want between %v and %v", e.Version, e.RecordedAt, before, after)
		}
	}
}

// testConcurrentOptimistic has 50 writers append 20 events each to one stream
// the way command handlers do: read the last version, append with Exact (or
// NoStream), retry on conflict after a short random pause (without it, 49
// writers spinning on every commit only burn CPU).
// Backoff sleeps before retry number attempt (1-based) of an append that
// met a conflict: a random pause of up to attempt milliseconds, at most 8.
func Backoff(attempt int) {
	time.Sleep(time.Duration(mrand.Int64N(int64(min(attempt, 8)) * int64(time.Millisecond))))
}

func testConcurrentOptimistic(t *testing.T, s eventlog.Store) {
	// 32 writers on one stream: each success makes the others' attempts
	// conflict, so the work grows with writers × appends (50 × 20 timed out
	// under -race on a loaded machine).
	const writers, perWriter = 32, 10
	ctx := testContext(t)
	stream := newStream(newCategory())
	typ := newType("Counted")
	ids := make([][]string, writers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				e := newEvent(typ, i)
				for attempt := 1; ; attempt++ {
					if ctx.Err() != nil {
						t.Errorf("writer %d: %v", w, ctx.Err())
						return
					}
					var last *uint64
					evs, err := s.ReadStream(ctx, stream, eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 1})
					switch {
					case errors.Is(err, eventlog.ErrStreamNotFound):
					case err != nil:
						t.Errorf("writer %d: ReadStream: %v", w, err)
						return
					case len(evs) != 1:
						t.Errorf("writer %d: ReadStream(max 1) returned %d events", w, len(evs))
						return
					default:
						last = &evs[0].Version
					}
					_, err = s.Append(ctx, stream, eventlog.AfterVersion(last), []eventlog.EventData{e})
					if errors.Is(err, eventlog.ErrWrongExpectedVersion) {
						mu.Lock()
						conflicts++
						mu.Unlock()
						Backoff(attempt)
						continue
					}
					if err != nil {
						t.Errorf("writer %d: Append: %v", w, err)
						return
					}
					ids[w] = append(ids[w], e.ID)
					break
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d appends, %d conflicts retried", writers*perWriter, conflicts)
	got := mustRead(t, ctx, s, stream, eventlog.ReadStreamOptions{})
	if len(got) != writers*perWriter {
		t.Fatalf("stream has %d events, want %d", len(got), writers*perWriter)
	}
	seen := make(map[string]int, len(got))
	for i, e := range got {
		if e.Version != uint64(i) {
			t.Fatalf("event %d has version %d", i, e.Version)
		}
		seen[e.ID]++
	}
	for w := range ids {
		for _, id := range ids[w] {
			if seen[id] != 1 {
				t.Errorf("event %s of writer %d stored %d times, want once", id, w, seen[id])
			}
			delete(seen, id)
		}
	}
	if len(seen) != 0 {
		t.Errorf("%d stored events were appended by no writer", len(seen))
	}
}
