package codec

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// TestHotEventsAreReadByTheirFlatPlan: the events a rebuild decodes most,
// and metadata, take the flat plan for what Encode writes (a change that
// made them fall back to the general decoder would only show as a slower
// rebuild).
func TestHotEventsAreReadByTheirFlatPlan(t *testing.T) {
	at := time.Date(2026, 11, 21, 17, 0, 0, 123456789, time.UTC)
	for _, ev := range []any{
		cards.CardUsed{CardID: 104233, BatchID: 812, TemplateID: 17, Category: "dance", UserID: 99321,
			Username: "user99321", IPAddress: "10.1.2.3", UserAgent: "Mozilla/5.0 (Linux; Android 14) 微信", UsedAt: at},
		eventlog.Metadata{CorrelationID: "5d1f6c0e-2b8a-4f7e-9c3d-1a2b3c4d5e6f", UserID: "99321", ClientIP: "::1",
			OccurredAt: at, TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
	} {
		typ := reflect.TypeOf(ev)
		p := newFlatPlan(typ)
		if p == nil {
			t.Fatalf("%v is not flat", typ)
		}
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		v := reflect.New(typ).Elem()
		if !p.decode(data, v) {
			t.Fatalf("%v: the flat plan did not read %s", typ, data)
		}
		if got := v.Interface(); !reflect.DeepEqual(got, ev) {
			t.Fatalf("%v: read %+v from %s", typ, got, data)
		}
	}
}

// TestWhatIsFlat: the types a flat plan reads, and those it must leave to
// encoding/json.
func TestWhatIsFlat(t *testing.T) {
	type embedded struct{ A int }
	type label string
	for _, tc := range []struct {
		typ  reflect.Type
		flat bool
	}{
		{reflect.TypeFor[struct {
			S string
			L label `json:"l,omitempty"`
			B bool
			I int8
			U uint64
			T time.Time
			D time.Duration // an integer to encoding/json
			X string        `json:"-"`
			x []int
		}](), true},
		{reflect.TypeFor[struct{ P *int }](), false},
		{reflect.TypeFor[struct{ S []string }](), false},
		{reflect.TypeFor[struct{ F float64 }](), false},
		{reflect.TypeFor[struct{ embedded }](), false},
		{reflect.TypeFor[struct {
			N int64 `json:"n,string"`
		}](), false},
		{reflect.TypeFor[struct {
			A string `json:"a"`
			B string `json:"A"`
		}](), false},
		{reflect.TypeFor[struct {
			A string `json:"a b"`
		}](), false},
		{reflect.TypeFor[struct{ R json.RawMessage }](), false},
		{reflect.TypeFor[struct{ N json.Number }](), false}, // a string that must be a number
		{reflect.TypeFor[struct{ T time.Month }](), true},
		{reflect.TypeFor[struct{ W time.Weekday }](), true},
		{reflect.TypeFor[struct{ L time.Location }](), false},
		{reflect.TypeFor[int](), false},
	} {
		if p := newFlatPlan(tc.typ); (p != nil) != tc.flat {
			t.Errorf("%v: flat plan %v, want flat %v", tc.typ, p != nil, tc.flat)
		}
	}
}

// BenchmarkUnmarshalPayload decodes one card use's payload, as Encode wrote
// it, by the three decoders side by side in one run: the flat plan the codec
// takes for it, github.com/go-json-experiment/json/v1 (the codec's unmarshal
// for everything else; docs/architecture.md, "Event stores") and
// encoding/json.
func BenchmarkUnmarshalPayload(b *testing.B) {
	data, err := json.Marshal(cards.CardUsed{CardID: 104233, BatchID: 812, TemplateID: 17, Category: "dance", UserID: 99321,
		Username: "user99321", IPAddress: "10.1.2.3", UserAgent: "loadgen/1.0 (linux)", UsedAt: time.Date(2026, 11, 21, 17, 0, 0, 123456789, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	plan := newFlatPlan(reflect.TypeFor[cards.CardUsed]())
	for _, d := range []struct {
		name      string
		unmarshal func([]byte, *cards.CardUsed) error
	}{
		{"flat-plan", func(data []byte, v *cards.CardUsed) error {
			if !plan.decode(data, reflect.ValueOf(v).Elem()) {
				return errors.New("not read")
			}
			return nil
		}},
		{"go-json-experiment-v1", func(data []byte, v *cards.CardUsed) error { return unmarshal(data, v) }},
		{"encoding-json", func(data []byte, v *cards.CardUsed) error { return json.Unmarshal(data, v) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var v cards.CardUsed
				if err := d.unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
