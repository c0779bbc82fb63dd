package app

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
	"github.com/fiveapis/backend/transport/pgtest"
)

// adversarial are texts a projector must store whatever the edge let
// through once: NUL, invalid UTF-8, control and C1 characters, quotes and
// SQL, very long text, right-to-left marks, emoji.
var adversarial = []string{
	"a\x00b\xff\xfe tab\tline\nfeed\rcr\x07bell\x1b[31m\u0085\u009f'; DROP TABLE x; --\"\u202eevil\u202c😀\U0010ffff",
	strings.Repeat("长", 3000),
}

// TestProjectorsStoreAdversarialText feeds every event type of every module,
// its text fields set to adversarial strings, through every projector that
// follows it: nothing is parked. The edge refuses such text
// (httpapi.CheckText); this is what protects the read models from events
// written before that, or by a path that forgot it.
func TestProjectorsStoreAdversarialText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := Config{Database: DatabaseConfig{URL: pgtest.NewDatabase(t) + "&pool_max_conns=6", EngineMaxConns: 4},
		DataDir: t.TempDir(), SecretKey: "test-secret-key-for-signing-0123456789", HTTP: HTTPConfig{ConsistencyWait: 5 * time.Second}}
	a, err := New(ctx, cfg, Options{CheapPasswordHashing: true, APIDocs: &apidoc.Set{}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.RunBackground(runCtx) }()
	t.Cleanup(func() {
		stop()
		<-done
		a.Close()
	})

	types := map[string]reflect.Type{}
	for _, m := range a.modules {
		for _, ev := range m.Events {
			types[ev.EventType()] = reflect.TypeOf(ev)
		}
	}
	var head eventlog.Position
	n := 0
	// Each event type of a category once, whichever projectors follow it:
	// every projector whose filter selects it receives it.
	sent := map[[2]string]bool{}
	for _, m := range a.modules {
		for _, p := range m.Projectors {
			f := p.Filter()
			evTypes := f.EventTypes
			if len(evTypes) == 0 {
				// A projector of whole categories: its module's events are
				// what its categories hold.
				evTypes = nil
				for _, ev := range m.Events {
					evTypes = append(evTypes, ev.EventType())
				}
			}
			cats := f.Categories
			if len(cats) == 0 {
				cats = []string{"adversarial"}
			}
			for _, typ := range evTypes {
				rt, ok := types[typ]
				if !ok {
					continue
				}
				for _, cat := range cats {
					if sent[[2]string{typ, cat}] {
						continue
					}
					sent[[2]string{typ, cat}] = true
					for i, s := range adversarial {
						n++
						ev := fill(reflect.New(rt).Elem(), fmt.Sprintf("%s#%d", s, n), int64(n)).Interface().(eventlog.Event) // unique: the domain keeps codes unique
						d, err := a.p.Codec.Encode(uuid.NewString(), ev, eventlog.Metadata{CorrelationID: "adversarial", UserAgent: s, OccurredAt: time.Now()})
						if err != nil {
							t.Fatalf("encode %s: %v", typ, err)
						}
						res, err := a.p.Store.Append(ctx, eventlog.StreamID(cat, fmt.Sprintf("%d%d", n, i)), eventlog.Any(), []eventlog.EventData{d})
						if err != nil {
							t.Fatalf("append %s: %v", typ, err)
						}
						head = res.Position
					}
				}
			}
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for err := a.WaitFor(ctx, head); err != nil; err = a.WaitFor(ctx, head) {
		if time.Now().Before(deadline) {
			continue
		}
		st, _ := a.engine.Status(ctx)
		for _, s := range st {
			if s.LastError != "" {
				t.Logf("%s: %.400s", s.Name, s.LastError)
			}
		}
		t.Fatal(err)
	}
	parked, err := a.engine.Parked(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parked {
		t.Errorf("parked by %s: %s: %.300s", p.Projection, p.Type, p.Error)
	}
	t.Logf("%d adversarial events through every projector, %d parked", n, len(parked))
}

// fill sets every text field of v to s, every number to a small value
// derived from n, every time to now, and puts one element into slices and
// maps, at any depth.
func fill(v reflect.Value, s string, n int64) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(n%100 + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(n%100 + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n%100) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)))
			return v
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if key, _, _ := strings.Cut(f.Tag.Get("json"), ","); structured(key) {
				continue // not a client's free text: the domain accepts only its own format
			}
			fill(v.Field(i), s, n)
		}
	case reflect.Slice:
		e := reflect.New(v.Type().Elem()).Elem()
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), fill(e, s, n)))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := fill(reflect.New(v.Type().Key()).Elem(), "key", n)
		m.SetMapIndex(k, fill(reflect.New(v.Type().Elem()).Elem(), s, n))
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), s, n)
		v.Set(p)
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(s))
		}
	}
	return v
}

// structured names the text fields that are not a client's free text: the
// server makes them (a hash, a digest, a sealed value) or the domain accepts
// only its own format (a date, a day).
func structured(key string) bool {
	return eventlog.HiddenFromConsumers(key) || strings.HasSuffix(key, "_date") || key == "day"
}
