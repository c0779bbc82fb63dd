package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/messaging"
)

const analyticsKey = "analytics-key-0123456789abcdef"

type sseEvent struct {
	ID, Event string
	Data      eventlog.JSONEvent
}

// readSSE opens GET /events/stream and returns the first n events; it closes
// the connection after them.
func readSSE(t *testing.T, s *apptest.Server, query string, header http.Header, n int) ([]sseEvent, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/events/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.ID != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			cur.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.Data); err != nil {
				t.Fatalf("data %q: %v", line, err)
			}
		}
	}
	if len(out) < n {
		t.Fatalf("got %d events, want %d (%v)", len(out), n, sc.Err())
	}
	return out, resp.StatusCode
}

// TestEventLogConsumers runs one server (to spare database connections)
// with an SSE consumer and the JetStream publisher configured, and checks the
// three ways out of the process: SSE, JetStream, metrics and probes.
func TestEventLogConsumers(t *testing.T) {
	t.Parallel()
	suffix := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	ncfg := app.NATSConfig{URL: "nats://127.0.0.1:4222", Stream: "APPTEST_" + suffix, SubjectPrefix: "apptest" + suffix, DuplicateWindow: time.Minute}
	nc, err := nats.Connect(ncfg.URL)
	if err != nil {
		t.Fatalf("NATS: %v (start it with .ci/services.sh)", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(ncfg.Stream) })
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Ops.EventStreamConsumers = app.StreamConsumers{{Name: "analytics", Key: analyticsKey, Categories: []string{"sequence"}}}
		c.NATS = ncfg
	}))
	t.Run("sse", func(t *testing.T) { testEventStreamSSE(t, s) })
	t.Run("jetstream", func(t *testing.T) { testJetStreamPublisherWired(t, s, js, ncfg) })
	t.Run("metrics", func(t *testing.T) { testMetricsAndHealth(t, s) })
}

// testEventStreamSSE reads the log as Server-Sent Events: resuming with
// Last-Event-ID gives every event once and in order; consumers are limited to
// their categories; old versions arrive upcast.
func testEventStreamSSE(t *testing.T, s *apptest.Server) {
	ctx := context.Background()
	store := s.App.Store()
	// An old version in the log, and some new events.
	if _, err := store.Append(ctx, "sequence-ssetest", eventlog.NoStream(), []eventlog.EventData{{
		ID: uuid.NewString(), Type: sequence.EventIDsAllocatedV1, Data: []byte(`{"sequence":"ssetest","first":1,"last":5,"owner":"batch-1"}`), Metadata: []byte(`{"user_id":"7"}`),
	}}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		s.NewUser(t)
		_ = i
	}
	var all []eventlog.RecordedEvent
	for after := eventlog.Start; ; {
		page, err := store.ReadAll(ctx, eventlog.ReadAllOptions{After: after, Max: 500})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].Position
	}
	if len(all) < 10 {
		t.Fatalf("only %d events in the log", len(all))
	}
	admin := http.Header{"Authorization": {s.AdminBearer(t)}}

	// Read in three connections, each resuming with Last-Event-ID.
	var got []sseEvent
	first, _ := readSSE(t, s, "", admin, 4)
	got = append(got, first...)
	h := admin.Clone()
	h.Set("Last-Event-ID", got[len(got)-1].ID)
	second, _ := readSSE(t, s, "", h, 3)
	got = append(got, second...)
	h.Set("Last-Event-ID", got[len(got)-1].ID)
	rest, _ := readSSE(t, s, "", h, len(all)-len(got))
	got = append(got, rest...)
	for i, ev := range all {
		if got[i].Data.ID != ev.ID || got[i].ID != ev.Position.String() {
			t.Fatalf("event %d: got %s at %s, want %s at %s", i, got[i].Data.ID, got[i].ID, ev.ID, ev.Position)
		}
	}

	// Live: events appended while the client waits arrive in order.
	h.Set("Last-Event-ID", all[len(all)-1].Position.String())
	go func() {
		time.Sleep(300 * time.Millisecond)
		for i := range 2 {
			_, err := store.Append(ctx, fmt.Sprintf("ssetest-%d", i), eventlog.NoStream(), []eventlog.EventData{{
				ID: uuid.NewString(), Type: "Live_v1", Data: []byte(`{}`), Metadata: []byte(`{}`)}})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	tail, _ := readSSE(t, s, "?category=ssetest", h, 2)
	if tail[0].Data.Stream != "ssetest-0" || tail[1].Data.Stream != "ssetest-1" {
		t.Fatalf("live events: %+v", tail)
	}

	// The analytics consumer sees only its category, upcast.
	key := http.Header{"X-Consumer-Key": {analyticsKey}}
	n := 0
	for _, ev := range all {
		if ev.Category() == sequence.Category {
			n++
			if ev.StreamID == "sequence-ssetest" {
				break
			}
		}
	}
	seq, _ := readSSE(t, s, "?type="+sequence.EventIDsAllocated, key, n)
	for _, ev := range seq {
		if ev.Data.Category != sequence.Category {
			t.Fatalf("consumer limited to sequence got %s", ev.Data.Stream)
		}
	}
	seq = seq[n-1:]
	if seq[0].Event != sequence.EventIDsAllocated || seq[0].Data.Stream != "sequence-ssetest" {
		t.Fatalf("got %+v", seq[0])
	}
	var payload sequence.IDsAllocated
	if err := json.Unmarshal(seq[0].Data.Data, &payload); err != nil || payload.Count != 5 || payload.OwnerStream != "batch-1" {
		t.Fatalf("payload %s: %+v %v", seq[0].Data.Data, payload, err)
	}
	if _, status := readSSE(t, s, "?category=user", key, 0); status != http.StatusForbidden {
		t.Errorf("consumer reading another category: %d, want 403", status)
	}
	if _, status := readSSE(t, s, "", http.Header{"X-Consumer-Key": {"wrong-key-0123456789"}}, 0); status != http.StatusUnauthorized {
		t.Errorf("wrong key: %d, want 401", status)
	}
	if _, status := readSSE(t, s, "", nil, 0); status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", status)
	}
	u := s.NewUser(t)
	if _, status := readSSE(t, s, "", http.Header{"Authorization": {u.Bearer}}, 0); status != http.StatusForbidden {
		t.Errorf("non-admin: %d, want 403", status)
	}
}

// testMetricsAndHealth checks the Prometheus endpoint and the probes.
func testMetricsAndHealth(t *testing.T, s *apptest.Server) {
	s.NewUser(t)
	if r := s.Do(t, http.MethodGet, "/livez", "", nil); r.Status != http.StatusOK {
		t.Fatalf("livez: %d", r.Status)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := s.Do(t, http.MethodGet, "/readyz", "", nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := s.Do(t, http.MethodGet, "/metrics", "", nil)
	body := string(r.Body)
	for _, want := range []string{
		`fiveapis_eventstore_appends_total{result="ok"}`,
		`fiveapis_eventstore_appends_total{result="conflict"}`,
		`fiveapis_http_request_duration_seconds_bucket{kind="command",method="POST",route="/api/v1/auth/register/"`,
		`fiveapis_projection_lag_events{projection=`,
		`fiveapis_projection_lag_seconds{projection=`,
		`fiveapis_projection_parked_events{projection=`,
		`fiveapis_ready 1`,
		`go_sched_latencies_seconds_bucket{le=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		fmt.Println(body)
	}
}

// testJetStreamPublisherWired: with NATS_URL set the log reaches the
// JetStream stream, one message per event, by category subject, upcast.
func testJetStreamPublisherWired(t *testing.T, s *apptest.Server, js nats.JetStreamContext, ncfg app.NATSConfig) {
	u := s.NewUser(t)
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs, err := s.App.Store().ReadAll(ctx, eventlog.ReadAllOptions{Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		info, err := js.StreamInfo(ncfg.Stream)
		if err == nil && info.State.Msgs == uint64(len(evs)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("JetStream stream: %+v, %v; log has %d events", info, err, len(evs))
		}
		time.Sleep(50 * time.Millisecond)
	}
	sub, err := js.SubscribeSync(ncfg.SubjectPrefix+".sequence", nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	// Every sequence event arrives as IDsAllocated_v2, the stored v1 of the
	// SSE test (sequence-ssetest) too.
	upcast := false
	for {
		m, err := sub.NextMsg(time.Second)
		if err != nil {
			break
		}
		if typ := m.Header.Get(messaging.MetadataType); typ != sequence.EventIDsAllocated {
			t.Errorf("sequence message of type %s, want %s", typ, sequence.EventIDsAllocated)
		}
		if m.Header.Get(messaging.MetadataStream) == "sequence-ssetest" {
			upcast = true
			if !strings.Contains(string(m.Data), `"owner_stream":"batch-1"`) {
				t.Errorf("upcast payload %s", m.Data)
			}
		}
	}
	if !upcast {
		t.Error("the IDsAllocated_v1 event did not reach JetStream")
	}
	_ = u
}
