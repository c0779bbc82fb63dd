package app

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/pgtest"
)

// wireName is the shape of every event's wire name: a name and a version.
var wireName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+_v[1-9][0-9]*$`)

// TestEventNamesUniqueAndRegistered checks that every event of every module
// has a versioned wire name, that no two share one, and that the codec
// registers all of them.
func TestEventNamesUniqueAndRegistered(t *testing.T) {
	events, _, reg := testCatalogue(t)
	seen := map[string]string{}
	for _, e := range events {
		name := e.EventType()
		if !wireName.MatchString(name) {
			t.Errorf("%T: wire name %q is not Name_vN", e, name)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("%T and %s share the wire name %s", e, prev, name)
		}
		seen[name] = fmt.Sprintf("%T", e)
		if !reg.Known(name) {
			t.Errorf("%s is not registered in the codec", name)
		}
	}
}

// TestEventCatalogue keeps docs/events.md equal to the registered events.
// Run with UPDATE_EVENT_DOCS=1 to rewrite it.
func TestEventCatalogue(t *testing.T) {
	got := catalogue(t)
	path := filepath.Join("..", "..", "..", "docs", "events.md")
	if os.Getenv("UPDATE_EVENT_DOCS") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run UPDATE_EVENT_DOCS=1 go test ./cmd/server/app -run TestEventCatalogue)", path, err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("docs/events.md is out of date: run UPDATE_EVENT_DOCS=1 go test ./cmd/server/app -run TestEventCatalogue")
	}
}

func catalogue(t *testing.T) []byte {
	t.Helper()
	docs := map[string]*doc.Package{}
	byPkg := map[string][]reflect.Type{}
	events, upcasters, _ := testCatalogue(t)
	for _, e := range events {
		rt := reflect.TypeOf(e)
		byPkg[rt.PkgPath()] = append(byPkg[rt.PkgPath()], rt)
	}
	pkgs := make([]string, 0, len(byPkg))
	for p := range byPkg {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	var b bytes.Buffer
	b.WriteString("# Event catalogue\n\n")
	b.WriteString("Generated from the registered events by `UPDATE_EVENT_DOCS=1 go test ./cmd/server/app -run TestEventCatalogue`;\n")
	b.WriteString("a test fails when this file and the code disagree. Every event is stored with its wire name\n")
	b.WriteString("(`Name_vN`), a JSON payload with the fields below, and JSON metadata (`correlation_id`, `causation_id`,\n")
	b.WriteString("`user_id`, `client_ip`, `user_agent`, `occurred_at`). Streams are `<category>-<id>`.\n")
	b.WriteString("Changing a field's meaning means a new version and an upcaster in `transport/eventstore/codec`.\n")
	b.WriteString("Consumers outside the process (the SSE stream, JetStream) get each event's consumer-facing form: the\n")
	b.WriteString("fields marked *hidden* below, and the metadata's `client_ip` and `user_agent`, are left out\n")
	b.WriteString("(`eventlog.HiddenFromConsumers`; `docs/consumers.md`).\n")
	b.WriteString("\n## Upcasters\n\n")
	b.WriteString("Old versions still in the log. Every reader (command handlers, projectors, the CLI, the SSE\n")
	b.WriteString("stream `/events/stream`, the JetStream publisher) gets them upcast to the newest version (the\n")
	b.WriteString("second column). Ids, streams, versions, positions and metadata are kept.\n\n")
	b.WriteString("| stored as | read as | change |\n|---|---|---|\n")
	b.WriteString("| every type | the same | NUL characters are removed from the payload's text (`codec.withoutNUL`): events written before the HTTP edge refused them (`httpapi.CheckText`), which PostgreSQL text cannot hold. |\n")
	for _, u := range upcasters {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", u.From, u.To, u.Doc)
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p, "github.com/fiveapis/backend/")
		dp := docs[p]
		if dp == nil {
			dp = parseDoc(t, filepath.Join("..", "..", "..", rel))
			docs[p] = dp
		}
		fmt.Fprintf(&b, "\n## `%s`\n\n", rel)
		if dp != nil && dp.Doc != "" {
			b.WriteString(strings.TrimSpace(dp.Synopsis(dp.Doc)) + "\n")
		}
		types := byPkg[p]
		sort.Slice(types, func(i, j int) bool { return types[i].Name() < types[j].Name() })
		for _, rt := range types {
			name := reflect.Zero(rt).Interface().(interface{ EventType() string }).EventType()
			fmt.Fprintf(&b, "\n### %s\n\n", name)
			if dp != nil {
				for _, dt := range dp.Types {
					if dt.Name == rt.Name() && dt.Doc != "" {
						b.WriteString(strings.Join(strings.Fields(dt.Doc), " ") + "\n\n")
					}
				}
			}
			b.WriteString("| field | type | consumers |\n|---|---|---|\n")
			writeFields(&b, rt)
		}
	}
	return b.Bytes()
}

func writeFields(b *bytes.Buffer, rt reflect.Type) {
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			writeFields(b, f.Type)
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		consumers := ""
		if eventlog.HiddenFromConsumers(tag) {
			consumers = "hidden"
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s |\n", tag, strings.ReplaceAll(f.Type.String(), "|", `\|`), consumers)
	}
}

func parseDoc(t *testing.T, dir string) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			t.Fatalf("parse %s: %v", n, err)
		}
		files[n] = f
	}
	var list []*ast.File
	for _, f := range files {
		list = append(list, f)
	}
	p, err := doc.NewFromFiles(fset, list, "x")
	if err != nil {
		t.Fatalf("doc %s: %v", dir, err)
	}
	return p
}

// TestUpcasters checks that every old version reads as the newest one, through
// the codec the server and the CLI use.
func TestUpcasters(t *testing.T) {
	_, upcasters, reg := testCatalogue(t)
	rec := eventlog.RecordedEvent{ID: "e-1", StreamID: "sequence-batches", Type: sequence.EventIDsAllocatedV1,
		Data: []byte(`{"sequence":"batches","first":11,"last":20,"owner":"batch-7"}`), Metadata: []byte(`{"user_id":"u-1"}`)}
	env, err := reg.Decode(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := sequence.IDsAllocated{Sequence: "batches", First: 11, Last: 20, Count: 10, OwnerStream: "batch-7"}
	if diff := cmp.Diff(want, env.Event); diff != "" {
		t.Errorf("decoded v1 (-want +got):\n%s", diff)
	}
	up, err := reg.Upcast(rec)
	if err != nil {
		t.Fatal(err)
	}
	if up.Type != sequence.EventIDsAllocated || up.ID != rec.ID || string(up.Metadata) != string(rec.Metadata) {
		t.Errorf("upcast record = %+v", up)
	}
	if got, want := string(up.Data), `{"sequence":"batches","first":11,"last":20,"count":10,"owner_stream":"batch-7"}`; got != want {
		t.Errorf("upcast payload = %s, want %s", got, want)
	}
	for _, u := range upcasters {
		if !wireName.MatchString(u.From) || !reg.Known(u.From) {
			t.Errorf("upcaster %s: bad or unknown wire name", u.From)
		}
	}
}

// testCatalogue builds every module of modules.go on a platform over a fresh
// database and returns their events and upcasters (the shared kernel's
// first) and the codec the server derives from them.
func testCatalogue(t *testing.T) ([]eventlog.Event, []Upcaster, *codec.Registry) {
	t.Helper()
	ctx := context.Background()
	cfg := Config{Database: DatabaseConfig{URL: pgtest.NewDatabase(t) + "&pool_max_conns=2", EngineMaxConns: 1}, DataDir: t.TempDir(),
		SecretKey: "test-secret-key-for-signing-0123456789"}
	p, err := NewPlatform(ctx, cfg, Options{}, nil)
	if err != nil {
		t.Fatalf("platform: %v", err)
	}
	t.Cleanup(p.Close)
	ms, err := buildModules(ctx, p)
	if err != nil {
		t.Fatalf("modules: %v", err)
	}
	events, upcasters := kernelEvents(), kernelUpcasters()
	for _, m := range ms {
		events = append(events, m.Events...)
		upcasters = append(upcasters, m.Upcasters...)
	}
	return events, upcasters, p.Codec
}
