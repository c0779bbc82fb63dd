package messaging_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/messaging"
)

// natsURL is the JetStream server of the tests (see .ci/services.sh).
const natsURL = "nats://127.0.0.1:4222"

// durableCheckpoints is a CheckpointStore that survives the publisher's
// "crash" (it lives in the test, like a table in the database).
type durableCheckpoints struct {
	mu    sync.Mutex
	pos   map[string]eventlog.Position
	saves int
}

func (c *durableCheckpoints) Checkpoint(_ context.Context, name string) (eventlog.Position, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos[name], nil
}

func (c *durableCheckpoints) SaveCheckpoint(_ context.Context, name string, pos eventlog.Position) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pos[name] = pos
	c.saves++
	return nil
}

// upcastAll renames the test's "Old_v1" events to "New_v2", as a codec
// upcaster does.
type upcastAll struct{}

func (upcastAll) Upcast(r eventlog.RecordedEvent) (eventlog.RecordedEvent, error) {
	if r.Type == "Old_v1" {
		r.Type = "New_v2"
	}
	return r, nil
}

// TestJetStreamPublisherCrashAndRestart publishes a log of 400 events in 8
// streams to a real JetStream, kills the publisher mid-way (after its last
// saved checkpoint, so events are published again after the restart), starts
// it again, and reads the JetStream stream with a real consumer: every event
// arrives once, in order within each stream, in its newest version, with its
// id as Nats-Msg-Id.
func TestJetStreamPublisherCrashAndRestart(t *testing.T) {
	t.Parallel()
	nc, err := nats.Connect(natsURL, nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("NATS on %s: %v (start it with .ci/services.sh)", natsURL, err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	store := newStore(t)
	cps := &durableCheckpoints{pos: map[string]eventlog.Position{}}
	cfg := messaging.JetStreamConfig{
		URL:             natsURL,
		Stream:          "TEST_EVENTS_" + suffix,
		SubjectPrefix:   "test" + suffix + ".events",
		DuplicateWindow: 2 * time.Minute,
		Name:            "jetstream",
		CheckpointEvery: 40,
		RestartDelay:    100 * time.Millisecond,
		Store:           store,
		Checkpoints:     cps,
		Upcaster:        upcastAll{},
	}
	t.Cleanup(func() { _ = js.DeleteStream(cfg.Stream) })

	const streams, perStream = 8, 50
	ctx := context.Background()
	for v := range perStream {
		for s := range streams {
			typ := "New_v2"
			if v%5 == 0 {
				typ = "Old_v1"
			}
			cat := "alpha"
			if s%2 == 1 {
				cat = "beta"
			}
			if _, err := store.Append(ctx, fmt.Sprintf("%s-%d", cat, s), eventlog.Any(), []eventlog.EventData{{
				ID: uuid.NewString(), Type: typ, Data: []byte(`{"v":` + strconv.Itoa(v) + `}`), Metadata: []byte(`{"correlation_id":"c"}`),
			}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := streams * perStream

	// First run: kill it once 170 events were acknowledged by JetStream.
	var published atomic.Int64
	var lastPublished atomic.Uint64
	runCtx, kill := context.WithCancel(ctx)
	first := cfg
	first.AfterPublish = func(ev eventlog.RecordedEvent) {
		lastPublished.Store(ev.Position.Commit)
		if published.Add(1) == 170 {
			kill()
		}
	}
	done := make(chan error, 1)
	go func() { done <- messaging.RunJetStreamPublisher(runCtx, first, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		kill()
		t.Fatal("first run did not publish 170 events within 60s")
	}
	if info, err := js.StreamInfo(cfg.Stream); err != nil || info.Config.Duplicates != cfg.DuplicateWindow {
		t.Fatalf("stream %s: %v, duplicate window %v, want %v", cfg.Stream, err, info, cfg.DuplicateWindow)
	}
	saved, _ := cps.Checkpoint(ctx, "jetstream")
	if saved.Commit >= lastPublished.Load() {
		t.Fatalf("checkpoint %s already covers the last published position %d: the restart would not publish anything again", saved, lastPublished.Load())
	}
	t.Logf("killed after %d events; checkpoint %s, last published %d", published.Load(), saved, lastPublished.Load())

	// Restart: it publishes again from the checkpoint.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var republished atomic.Int64
	second := cfg
	second.AfterPublish = func(eventlog.RecordedEvent) { republished.Add(1) }
	go func() { done <- messaging.RunJetStreamPublisher(runCtx, second, nil) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		info, err := js.StreamInfo(cfg.Stream)
		if err == nil && info.State.Msgs >= uint64(total) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("JetStream has %v messages, want %d", info, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the publisher finish (checkpoint at the head), then stop it.
	for {
		cp, _ := cps.Checkpoint(ctx, "jetstream")
		if republished.Load() >= int64(total)-published.Load() {
			if head, _ := store.ReadAll(ctx, eventlog.ReadAllOptions{After: cp, Max: 1}); len(head) == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("publisher did not reach the head of the log")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if dup := published.Load() + republished.Load() - int64(total); dup <= 0 {
		t.Fatalf("no event was published twice (%d + %d); the test did not exercise de-duplication", published.Load(), republished.Load())
	} else {
		t.Logf("%d events were published twice and de-duplicated by JetStream", dup)
	}

	// A real JetStream consumer reads the whole stream.
	sub, err := js.SubscribeSync(cfg.SubjectPrefix+".>", nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	seen := map[string]bool{}
	nextVersion := map[string]uint64{}
	for i := range total {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("message %d of %d: %v", i, total, err)
		}
		id := m.Header.Get(nats.MsgIdHdr)
		if id == "" || seen[id] {
			t.Fatalf("message %d: id %q empty or repeated", i, id)
		}
		seen[id] = true
		stream := m.Header.Get(messaging.MetadataStream)
		version, err := strconv.ParseUint(m.Header.Get(messaging.MetadataVersion), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if version != nextVersion[stream] {
			t.Fatalf("stream %s: got version %d, want %d (out of order or missing)", stream, version, nextVersion[stream])
		}
		nextVersion[stream]++
		if typ := m.Header.Get(messaging.MetadataType); typ != "New_v2" {
			t.Errorf("event %s has type %s, want the upcast New_v2", id, typ)
		}
		if want := cfg.Subject(eventlog.Category(stream)); m.Subject != want {
			t.Errorf("event %s on %s, want %s", id, m.Subject, want)
		}
	}
	if m, err := sub.NextMsg(300 * time.Millisecond); err == nil {
		t.Fatalf("extra message %s after the whole log", m.Header.Get(nats.MsgIdHdr))
	}
	for s := range streams {
		cat := "alpha"
		if s%2 == 1 {
			cat = "beta"
		}
		if got := nextVersion[fmt.Sprintf("%s-%d", cat, s)]; got != perStream {
			t.Errorf("stream %s-%d: %d events, want %d", cat, s, got, perStream)
		}
	}
}
