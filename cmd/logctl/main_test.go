package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/pgtest"
)

func testEnv(dsn string) func(string) string {
	vars := map[string]string{
		"DATABASE_URL": dsn,
		"SECRET_KEY":   "test-secret-key-for-signing-0123456789",
		"LOG_LEVEL":    "error",
	}
	return func(k string) string { return vars[k] }
}

func logctl(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, args, getenv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Logf("logctl %v: %v\n%s", args, err, errOut.String())
	}
	return out.String(), err
}

// seed writes a small log: two users (one of them changes the password), and
// an IDsAllocated_v1 (an old version) on a sequence stream.
func seed(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := app.ConfigFromEnv(testEnv(dsn))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenLog(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	appendEvents := func(stream string, expected eventlog.ExpectedVersion, corr, user string, evs ...eventlog.Event) {
		var data []eventlog.EventData
		for _, ev := range evs {
			d, err := a.Codec().Encode(uuid.NewString(), ev, eventlog.Metadata{CorrelationID: corr, UserID: user, OccurredAt: now})
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, d)
		}
		if _, err := a.Store().Append(ctx, stream, expected, data); err != nil {
			t.Fatal(err)
		}
	}
	for id := int64(1); id <= 2; id++ {
		u, _ := identity.NewUsername("user" + string(rune('0'+id)))
		em, _ := identity.NewEmail("user" + string(rune('0'+id)) + "@example.com")
		evs, err := identity.Register(id, u, em, "sealed-ref-"+string(rune('0'+id)), "hash-1", now)
		if err != nil {
			t.Fatal(err)
		}
		appendEvents(identity.UserStream(id), eventlog.NoStream(), "c-"+string(rune('0'+id)), "", evs...)
	}
	appendEvents(identity.UserStream(1), eventlog.Exact(0), "c-3", "1", identity.PasswordChanged{UserID: 1, PasswordHash: "hash-2", ChangedAt: now})
	if _, err := a.Store().Append(ctx, "sequence-demo", eventlog.NoStream(), []eventlog.EventData{{
		ID: uuid.NewString(), Type: sequence.EventIDsAllocatedV1,
		Data: []byte(`{"sequence":"demo","first":1,"last":10,"owner":"batch-1"}`), Metadata: []byte(`{"correlation_id":"c-4","occurred_at":"2026-03-01T12:00:00Z"}`),
	}}); err != nil {
		t.Fatal(err)
	}
}

func TestReadStateVerify(t *testing.T) {
	t.Parallel()

	dsn := pgtest.NewDatabase(t)
	seed(t, dsn)
	env := testEnv(dsn)

	out, err := logctl(t, env, "verify")
	if err != nil || !strings.Contains(out, "OK") || !strings.Contains(out, "events 4, streams 3") || !strings.Contains(out, "upcast 1") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "categories")
	if err != nil || !strings.Contains(out, "user") || !strings.Contains(out, "sequence") {
		t.Fatalf("categories: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "streams", "-category", "user")
	if err != nil || !strings.Contains(out, "user-1") || strings.Contains(out, "sequence-demo") {
		t.Fatalf("streams: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "read", "-user", "1", "-format", "json")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, identity.EventPasswordChanged) {
		t.Fatalf("read -user: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "read", "-correlation", "c-2")
	if err != nil || !strings.Contains(out, "user-2") || strings.Contains(out, "user-1") {
		t.Fatalf("read -correlation: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "read", "-type", sequence.EventIDsAllocated, "-upcast", "-format", "json")
	if err != nil || !strings.Contains(out, `"count":10`) || !strings.Contains(out, `"owner_stream":"batch-1"`) {
		t.Fatalf("read -upcast: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "read", "-after", "1", "-until", "3", "-format", "json")
	if err != nil || strings.Count(out, "\n") != 2 {
		t.Fatalf("read by position: %v\n%s", err, out)
	}
	if out, err = logctl(t, env, "read", "-since", "2999-01-01"); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("read -since the future: %v\n%s", err, out)
	}

	// State through the domain, at the last version and at version 0.
	var st struct {
		Version uint64
		State   map[string]any
	}
	out, err = logctl(t, env, "state", "-stream", "user-1")
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Version != 1 || st.State["username"] != "user1" {
		t.Fatalf("state: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "state", "-stream", "user-1", "-version", "0")
	if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.Version != 0 {
		t.Fatalf("state -version 0: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "state", "-stream", "sequence-demo")
	if err != nil || !strings.Contains(out, `"count": 10`) {
		t.Fatalf("state of an upcast event: %v\n%s", err, out)
	}
}

// TestExportImportRoundTrip exports a log, imports it into an empty store and
// exports again: the same events, ids, streams, versions, types, data and
// metadata, in the same order.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()

	src, dst := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	seed(t, src)
	dir := t.TempDir()
	file := filepath.Join(dir, "log.jsonl")
	if _, err := logctl(t, testEnv(src), "export", "-o", file); err != nil {
		t.Fatal(err)
	}
	if _, err := logctl(t, testEnv(dst), "import", "-i", file); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again.jsonl")
	if _, err := logctl(t, testEnv(dst), "export", "-o", again); err != nil {
		t.Fatal(err)
	}
	read := func(path string) []eventlog.JSONEvent {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []eventlog.JSONEvent
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var j eventlog.JSONEvent
			if err := json.Unmarshal([]byte(line), &j); err != nil {
				t.Fatal(err)
			}
			j.Position, j.RecordedAt = "", time.Time{} // the target store's own
			out = append(out, j)
		}
		return out
	}
	want, got := read(file), read(again)
	if len(want) != 4 {
		t.Fatalf("exported %d events, want 4", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := logctl(t, testEnv(dst), "import", "-i", file); err == nil {
		t.Error("import into a store that is not empty succeeded")
	}
	if out, err := logctl(t, testEnv(dst), "verify"); err != nil || !strings.Contains(out, "OK") {
		t.Errorf("verify after import: %v\n%s", err, out)
	}
}

// TestStatusAndRebuild runs the projection commands against a fresh
// database: status lists every projector, and a rebuild run here switches to
// a new generation.
func TestStatusAndRebuild(t *testing.T) {
	t.Parallel()

	dsn := pgtest.NewDatabase(t)
	seed(t, dsn)
	env := testEnv(dsn)
	// The first time, the projection has no generation yet: the rebuild
	// creates the first one; the second replaces it blue/green.
	out, err := logctl(t, env, "rebuild", "-projection", "identity", "-run", "-wait", "-timeout", "60s")
	if err != nil || !strings.Contains(out, "caught up") {
		t.Fatalf("first rebuild: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "rebuild", "-projection", "identity", "-run", "-wait", "-timeout", "60s")
	if err != nil || !strings.Contains(out, "switched to generation 2") {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	out, err = logctl(t, env, "status", "-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Projections []struct {
			Name             string
			ActiveGeneration int `json:"active_generation"`
			Parked           int
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	found := false
	for _, p := range st.Projections {
		if p.Name == "identity" {
			found = true
			if p.ActiveGeneration < 2 {
				t.Errorf("identity is at generation %d after a rebuild", p.ActiveGeneration)
			}
		}
	}
	if !found {
		t.Errorf("status lacks the identity projection:\n%s", out)
	}
	if out, err := logctl(t, env, "parked"); err != nil || !strings.Contains(out, "PROJECTION") {
		t.Errorf("parked: %v\n%s", err, out)
	}
	if _, err := logctl(t, env, "replay", "-id", "999999"); err == nil {
		t.Error("replaying an unknown parked event succeeded")
	}
}

// TestRebuildWhileServing asks for a rebuild from the CLI while a server
// serves the same database: the server builds the new generation and
// switches (blue/green), and the API answers throughout.
func TestRebuildWhileServing(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	for range 3 {
		s.NewUser(t)
	}
	env := testEnv(s.App.Config().Database.URL)
	stop := make(chan struct{})
	served := make(chan int, 1)
	go func() {
		n := 0
		defer func() { served <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r := s.Do(t, http.MethodGet, "/api/v1/auth/me/", admin, nil); r.Status != http.StatusOK {
				t.Errorf("during the rebuild: %d %s", r.Status, r.Body)
				return
			}
			n++
			time.Sleep(20 * time.Millisecond)
		}
	}()
	out, err := logctl(t, env, "rebuild", "-projection", "identity", "-wait", "-timeout", "60s")
	close(stop)
	if err != nil || !strings.Contains(out, "switched to generation 2") {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	if n := <-served; n == 0 {
		t.Error("no request was served during the rebuild")
	}
	if r := s.Do(t, http.MethodGet, "/api/v1/auth/me/", admin, nil); r.Status != http.StatusOK {
		t.Errorf("after the rebuild: %d %s", r.Status, r.Body)
	}
}

// TestMigrations lists every migration set of the database at its newest
// version once a server opened it.
func TestMigrations(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	seed(t, dsn)
	out, err := logctl(t, testEnv(dsn), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, schema := range []string{"eventstore", "projection", "settings", "personaldata", "sessions", "nonces", "oauth"} {
		re := regexp.MustCompile(`(?m)^` + schema + `\s+(\d+)\s+(\d+)\s*$`)
		m := re.FindStringSubmatch(out)
		if m == nil || m[1] != m[2] || m[1] == "0" {
			t.Errorf("schema %s: not listed at its newest version in\n%s", schema, out)
		}
	}
}

// TestErase erases a user's personal data from the command line: the
// erasure is in the log and the user's keys are gone at once.
func TestErase(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	seed(t, dsn)
	env := testEnv(dsn)
	out, err := logctl(t, env, "erase", "-user", "1")
	if err != nil || !strings.Contains(out, "user 1: personal data erased") {
		t.Fatalf("erase: %v\n%s", err, out)
	}
	if out, err := logctl(t, env, "read", "-stream", "user-1"); err != nil || !strings.Contains(out, "PersonalDataErased_v1") {
		t.Fatalf("read: %v\n%s", err, out)
	}
	cfg, err := app.ConfigFromEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenLog(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if erased, err := a.Vault().WasErased(context.Background(), "user:1"); err != nil || !erased {
		t.Fatalf("the key of user:1: erased %v, %v", erased, err)
	}
	if _, err := logctl(t, env, "erase", "-user", "99"); err == nil {
		t.Fatal("erasing an unknown user succeeded")
	}
}
