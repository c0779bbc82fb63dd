package eventstoredb_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb/esdbfake"
)

// expectQuiet checks that sub delivers nothing more for a while: no event
// was repeated after the expected ones.
func expectQuiet(t *testing.T, ctx context.Context, sub eventlog.Subscription) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if e, err := sub.Recv(ctx); err == nil {
		t.Fatalf("unexpected extra event %s %s/%d", e.ID, e.StreamID, e.Version)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv: %v, want a deadline", err)
	}
}

// checkOrder fails unless got is exactly want, in order, with increasing
// positions.
func checkOrder(t *testing.T, want []string, got []eventlog.RecordedEvent) {
	t.Helper()
	if diff := cmp.Diff(want, ids(got)); diff != "" {
		t.Fatalf("delivered events (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if !got[i-1].Position.Less(got[i].Position) {
			t.Fatalf("positions not increasing: %s then %s", got[i-1].Position, got[i].Position)
		}
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSubscriptionResumesAfterDropDuringCatchUp(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	srv := esdbfake.NewServer(t)
	s := newStore(t, srv.ConnString())
	var want []string
	for range 6 {
		evs := newEvents("AccountOpened_v1", 5)
		if _, err := s.Append(ctx, eventlog.StreamID("acct", uuid.NewString()), eventlog.NoStream(), evs); err != nil {
			t.Fatal(err)
		}
		want = append(want, ids(evs)...)
		// Events the filter drops sit between the ones it keeps.
		if _, err := s.Append(ctx, eventlog.StreamID("other", uuid.NewString()), eventlog.NoStream(), newEvents("Other_v1", 3)); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{"acct"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	got := collect(t, ctx, sub, 10)
	if n := srv.DropSubscriptions(); n != 1 {
		t.Fatalf("dropped %d subscriptions, want 1", n)
	}
	// The events the server had sent before the drop come first; the
	// resubscription starts after the last of them. Drop that one too.
	dropped := make(chan int, 1)
	go func() {
		waitFor(t, "the resubscription", func() bool { return srv.SubscriptionsStarted() == 2 && srv.Subscriptions() == 1 })
		dropped <- srv.DropSubscriptions()
	}()
	got = append(got, collect(t, ctx, sub, 20)...)
	checkOrder(t, want, got)
	if n := <-dropped; n != 1 {
		t.Fatalf("second drop: dropped %d subscriptions, want 1", n)
	}
	expectQuiet(t, ctx, sub)
	if n := srv.SubscriptionsStarted(); n != 3 {
		t.Errorf("%d subscriptions started, want 3", n)
	}
}

// TestSubscriptionResumesAfterDrops drops the subscription again and again
// while events are appended and read: every event arrives once, in order.
func TestSubscriptionResumesAfterDrops(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	srv := esdbfake.NewServer(t)
	s := newStore(t, srv.ConnString())

	var (
		mu   sync.Mutex
		want []string
	)
	appendOne := func(i int) {
		stream := eventlog.StreamID("acct", uuid.NewString())
		evs := newEvents("AccountOpened_v1", 1+i%3)
		if _, err := s.Append(ctx, stream, eventlog.NoStream(), evs); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		want = append(want, ids(evs)...)
		mu.Unlock()
		if i%4 == 0 {
			if _, err := s.Append(ctx, eventlog.StreamID("other", uuid.NewString()), eventlog.NoStream(), newEvents("Other_v1", 2)); err != nil {
				t.Error(err)
			}
		}
		if i%10 == 0 {
			srv.AppendSystemEvent("$stats-127.0.0.1:2113", "$statsCollected", []byte(`{}`))
		}
	}
	for i := range 20 { // stored before the subscription starts
		appendOne(i)
	}

	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{"acct"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for i := 20; i < 150; i++ {
			appendOne(i)
			time.Sleep(time.Millisecond)
		}
	}()
	var drops atomic.Int64
	dropperDone := make(chan struct{})
	go func() {
		defer close(dropperDone)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-writerDone:
				return
			case <-tick.C:
				drops.Add(int64(srv.DropSubscriptions()))
			}
		}
	}()

	// Read while the writer appends and the dropper drops.
	var got []eventlog.RecordedEvent
	for {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		e, err := sub.Recv(rctx)
		cancel()
		switch {
		case err == nil:
			got = append(got, e)
			continue
		case !errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("Recv after %d events: %v", len(got), err)
		}
		select {
		case <-writerDone:
		default:
			continue
		}
		mu.Lock()
		total := len(want)
		mu.Unlock()
		if len(got) >= total {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("received %d of %d events", len(got), total)
		}
	}
	<-dropperDone
	mu.Lock()
	defer mu.Unlock()
	checkOrder(t, want, got)
	expectQuiet(t, ctx, sub)
	if drops.Load() < 5 {
		t.Fatalf("only %d drops: the test proved little", drops.Load())
	}
	t.Logf("%d events through %d drops", len(got), drops.Load())
}

// TestSubscriptionSurvivesServerRestart stops the server for longer than the
// client keeps trying to discover it, so the client gives up and the store
// has to start a new one.
func TestSubscriptionSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	srv := esdbfake.NewServer(t)
	s := newStore(t, srv.ConnString()+"&maxDiscoverAttempts=2&discoveryInterval=20")
	stream := eventlog.StreamID("acct", uuid.NewString())
	first := newEvents("AccountOpened_v1", 3)
	if _, err := s.Append(ctx, stream, eventlog.NoStream(), first); err != nil {
		t.Fatal(err)
	}
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{Filter: eventlog.Filter{Categories: []string{"acct"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := collect(t, ctx, sub, 3)

	srv.Stop()
	time.Sleep(500 * time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// A command handler retries a failed append with the same ids and
	// expected version, which the server's idempotency makes safe.
	second := newEvents("AccountOpened_v1", 2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Append(ctx, stream, eventlog.Exact(2), second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Append after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got = append(got, collect(t, ctx, sub, 2)...)
	checkOrder(t, append(ids(first), ids(second)...), got)
	expectQuiet(t, ctx, sub)
}

func TestSubscriptionEndsOnPermanentError(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	srv := esdbfake.NewServer(t)
	s := newStore(t, srv.ConnString())
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for srv.Subscriptions() == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.DropSubscriptionsWith(status.Error(codes.PermissionDenied, "Access Denied"))
	_, err = sub.Recv(ctx)
	if err == nil || errors.Is(err, eventlog.ErrSubscriptionClosed) || status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Recv after access denied: %v, want the PermissionDenied error", err)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	cfg := eventstoredb.Config{ConnectionString: esdbfake.Start(t), Logger: testLogger(t)}
	s, err := eventstoredb.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := sub.Recv(ctx)
		errc <- err
	}()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; !errors.Is(err, eventlog.ErrSubscriptionClosed) {
		t.Errorf("Recv after Store.Close: %v, want ErrSubscriptionClosed", err)
	}
	if _, err := s.Append(ctx, "card-1", eventlog.Any(), newEvents("CardIssued_v1", 1)); err == nil {
		t.Error("Append after Close succeeded")
	}
	if _, err := s.SubscribeAll(ctx, eventlog.SubscribeOptions{}); err == nil {
		t.Error("SubscribeAll after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNewFailsWithoutServer(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	start := time.Now()
	_, err = eventstoredb.New(t.Context(), eventstoredb.Config{
		ConnectionString: "esdb://" + addr + "?tls=false&maxDiscoverAttempts=2&discoveryInterval=10",
		Logger:           testLogger(t),
	})
	if err == nil {
		t.Fatal("New succeeded without a server")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("New took %s to fail", d)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  eventstoredb.Config
		ok   bool
	}{
		{"minimal", eventstoredb.Config{ConnectionString: "esdb://localhost:2113?tls=false"}, true},
		{"missing connection string", eventstoredb.Config{}, false},
		{"bad scheme", eventstoredb.Config{ConnectionString: "postgres://localhost"}, false},
		{"negative page", eventstoredb.Config{ConnectionString: "esdb://localhost:2113", PageSize: -1}, false},
		{"backoff range", eventstoredb.Config{ConnectionString: "esdb://localhost:2113", ResubscribeMinBackoff: time.Second, ResubscribeMaxBackoff: time.Millisecond}, false},
	} {
		err := tc.cfg.Validate()
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: Validate accepted it", tc.name)
		}
	}
}
