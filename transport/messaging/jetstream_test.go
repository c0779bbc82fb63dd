package messaging_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/messaging"
	"github.com/fiveapis/backend/transport/pgtest"
)

// natsURL is the JetStream server of the tests (see .ci/services.sh).
const natsURL = "nats://127.0.0.1:4222"

// The first run of TestJetStreamPublisherCrashAndRestart is a child
// process (the test binary again) that kills itself right after its 170th
// acknowledged publish, as a crash would: nothing it had not saved yet is
// saved. These variables tell it what to run.
const (
	jsChildDSN    = "MESSAGING_JS_CHILD_DSN"
	jsChildStream = "MESSAGING_JS_CHILD_STREAM"
	jsChildPrefix = "MESSAGING_JS_CHILD_PREFIX"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(jsChildDSN); dsn != "" {
		os.Exit(jetStreamChild(dsn, os.Getenv(jsChildStream), os.Getenv(jsChildPrefix)))
	}
	os.Exit(m.Run())
}

// publisherConfig is the publisher of TestJetStreamPublisherCrashAndRestart.
func publisherConfig(stream, prefix string) messaging.JetStreamConfig {
	return messaging.JetStreamConfig{
		URL:             natsURL,
		Stream:          stream,
		SubjectPrefix:   prefix,
		DuplicateWindow: 2 * time.Minute,
		Name:            "jetstream",
		Forms:           upcastAll{},
	}
}

// engineTransport runs the engine's consumers through RunConsumer, as cmd
// wires it.
func engineTransport() engine.Transport {
	return engine.TransportFunc(func(ctx context.Context, c engine.Consumer) error {
		return messaging.RunConsumer(ctx, messaging.ConsumerConfig{
			Name: c.Name, Filter: c.Filter, Progress: c.Progress, Nudge: c.Nudge,
			Store: c.Store, Checkpoints: c.Checkpoints,
			Handler: messaging.EventHandler(c.Handle, c.Advance),
			Router: messaging.RouterConfig{
				Retry:  messaging.RetryConfig(c.Retry),
				Poison: messaging.PoisonPolicy(c.Poison),
				Parker: messaging.EventParkerFunc(c.Park),
			},
		}, nil)
	})
}

// publisherEngine is a projection engine running the publisher alone.
func publisherEngine(pool *pgxpool.Pool, store eventlog.Store, cfg messaging.JetStreamConfig) (*engine.Engine, error) {
	r, err := messaging.NewJetStreamReaction(cfg, nil)
	if err != nil {
		return nil, err
	}
	return engine.New(pool, store, rawDecoder{}, engine.Config{
		Transport:         engineTransport(),
		Reactions:         []eventlog.Reaction{r},
		LockRetryInterval: 100 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
}

// rawDecoder stands in for the codec; the publisher is Raw and never asks.
type rawDecoder struct{}

func (rawDecoder) Decode(r eventlog.RecordedEvent) (eventlog.Envelope, error) {
	return eventlog.Envelope{Recorded: r}, nil
}

// jetStreamChild runs the publisher until its 170th publish, then dies.
func jetStreamChild(dsn, stream, prefix string) int {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	cfg := publisherConfig(stream, prefix)
	published := 0
	cfg.AfterPublish = func(eventlog.RecordedEvent) {
		if published++; published == 170 {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	eng, err := publisherEngine(pool, store, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	if err := eng.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// upcastAll renames the test's "Old_v1" events to "New_v2", as a codec
// upcaster does.
type upcastAll struct{}

func (upcastAll) ConsumerForm(r eventlog.RecordedEvent) (eventlog.RecordedEvent, error) {
	if r.Type == "Old_v1" {
		r.Type = "New_v2"
	}
	return r, nil
}

// TestJetStreamPublisherCrashAndRestart publishes a log of 400 events in 8
// streams to a real JetStream, kills the publisher mid-way (a process killed
// after its last saved checkpoint, so events are published again after the
// restart), starts it again, and reads the JetStream stream with a real
// consumer: every event arrives once, in order within each stream, in its
// newest version, with its id as Nats-Msg-Id.
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
	dsn := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	cfg := publisherConfig("TEST_EVENTS_"+suffix, "test"+suffix+".events")
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

	// First run: a process that dies once 170 events were acknowledged by
	// JetStream.
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), jsChildDSN+"="+dsn, jsChildStream+"="+cfg.Stream, jsChildPrefix+"="+cfg.SubjectPrefix)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		if status, ok := err.(*exec.ExitError); !ok || status.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("first run ended with %v, want killed", err)
		}
	case <-time.After(60 * time.Second):
		_ = child.Process.Kill()
		t.Fatal("first run did not publish 170 events within 60s")
	}
	info, err := js.StreamInfo(cfg.Stream)
	if err != nil || info.Config.Duplicates != cfg.DuplicateWindow {
		t.Fatalf("stream %s: %v, duplicate window %v, want %v", cfg.Stream, err, info, cfg.DuplicateWindow)
	}
	published := int64(info.State.Msgs)
	last, err := js.GetMsg(cfg.Stream, info.State.LastSeq)
	if err != nil {
		t.Fatal(err)
	}
	lastPos, err := eventlog.ParsePosition(last.Header.Get(messaging.MetadataPosition))
	if err != nil {
		t.Fatal(err)
	}
	lastPublished := lastPos.Commit
	if published != 170 {
		t.Fatalf("the first run published %d events, want 170", published)
	}
	second := cfg
	var republished atomic.Int64
	second.AfterPublish = func(eventlog.RecordedEvent) { republished.Add(1) }
	eng, err := publisherEngine(pool, store, second)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	saved, _ := eng.Checkpoint(ctx, "jetstream")
	if saved.Commit >= lastPublished {
		t.Fatalf("checkpoint %s already covers the last published position %d: the restart would not publish anything again", saved, lastPublished)
	}
	t.Logf("killed after %d events; checkpoint %s, last published %d", published, saved, lastPublished)

	// Restart: it publishes again from the checkpoint.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { done <- eng.Run(runCtx) }()
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
		cp, _ := eng.Checkpoint(ctx, "jetstream")
		if republished.Load() >= int64(total)-published {
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
	if dup := published + republished.Load() - int64(total); dup <= 0 {
		t.Fatalf("no event was published twice (%d + %d); the test did not exercise de-duplication", published, republished.Load())
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

// TestJetStreamConsumers: the consumers of the publisher's stream, as the
// NATS server reports them (the operator console's outlets page); none for
// a stream that does not exist yet.
func TestJetStreamConsumers(t *testing.T) {
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
	cfg := publisherConfig("TEST_CONSUMERS_"+suffix, "test"+suffix+".events")
	ctx := context.Background()
	if cs, err := messaging.JetStreamConsumers(ctx, cfg); err != nil || len(cs) != 0 {
		t.Fatalf("no stream yet: %v %v", cs, err)
	}
	if err := messaging.EnsureJetStream(js, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(cfg.Stream) })
	if _, err := js.Publish(cfg.Subject("card"), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.AddConsumer(cfg.Stream, &nats.ConsumerConfig{Durable: "analytics", FilterSubject: cfg.Subject("card"),
		AckPolicy: nats.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	cs, err := messaging.JetStreamConsumers(ctx, cfg)
	if err != nil || len(cs) != 1 {
		t.Fatalf("consumers %+v, %v", cs, err)
	}
	if c := cs[0]; c.Name != "analytics" || !c.Durable || c.FilterSubject != cfg.Subject("card") || c.Pending != 1 || c.Created.IsZero() {
		t.Fatalf("consumer %+v", c)
	}
}
