package codec_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/contacts"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/meetingrooms"
	"github.com/fiveapis/backend/domain/repairs"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

func domainEvents() []eventlog.Event {
	return slices.Concat(sequence.Events(), identity.Events(), cards.Events(), meetingrooms.Events(),
		contacts.Events(), activities.Events(), guides.Events(), repairs.Events(), clockin.Events())
}

// filler fills values with varied, non-zero contents, so that every field of
// an event is encoded and decoded.
type filler struct{ n int }

func (f *filler) fill(v reflect.Value, depth int) {
	f.n++
	switch v.Kind() {
	case reflect.String:
		strs := []string{"plain", "Ünïcödé ✓", `quote " and \ back`, "<tag>&amp;", "tab\tnew\nline", ""}
		v.SetString(strs[f.n%len(strs)] + fmt.Sprint(f.n))
	case reflect.Bool:
		v.SetBool(f.n%2 == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		vals := []int64{1, -7, 1 << 40, 9007199254740993, 0}
		x := vals[f.n%len(vals)]
		if v.OverflowInt(x) {
			x = int64(f.n)
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		vals := []uint64{1, 1 << 63, 9007199254740993, 0}
		x := vals[f.n%len(vals)]
		if v.OverflowUint(x) {
			x = uint64(f.n)
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.n) + 0.25)
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(`{"raw":[1,2.5,"x",null,true]}`))
			return
		}
		if depth > 4 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := range 3 {
			k := reflect.New(v.Type().Key()).Elem()
			f.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			if e.Kind() == reflect.Interface {
				vals := []any{"s", 1.5, float64(1 << 40), true, nil, []any{"a", 2.0}, map[string]any{"k": "v"}}
				if x := vals[(f.n+i)%len(vals)]; x != nil {
					e.Set(reflect.ValueOf(x))
				}
			} else {
				f.fill(e, depth+1)
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			t := time.Date(2026, 11, 21, 17, 0, 0, f.n*1000003, time.UTC)
			if f.n%3 == 0 {
				t = t.In(time.FixedZone("", 8*3600))
			}
			v.Set(reflect.ValueOf(t))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// stdDecode is what Decode did with encoding/json alone.
func stdDecode(t reflect.Type, data []byte) (any, error) {
	v := reflect.New(t)
	err := json.Unmarshal(data, v.Interface())
	return v.Elem().Interface(), err
}

var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location().String() == b.Location().String() })

// TestDecodeMatchesEncodingJSON checks that the codec decodes every event
// type of the domain, and odd inputs, exactly as encoding/json does.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	events := domainEvents()
	reg, err := codec.New(events...)
	if err != nil {
		t.Fatal(err)
	}
	f := &filler{}
	for _, proto := range events {
		typ := reflect.TypeOf(proto)
		for round := range 3 {
			v := reflect.New(typ).Elem()
			f.fill(v, 0)
			data, err := json.Marshal(v.Interface())
			if err != nil {
				t.Fatalf("%s: %v", proto.EventType(), err)
			}
			want, err := stdDecode(typ, data)
			if err != nil {
				t.Fatalf("%s: encoding/json: %v", proto.EventType(), err)
			}
			env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "x-1", Type: proto.EventType(), Data: data})
			if err != nil {
				t.Fatalf("%s: %v", proto.EventType(), err)
			}
			if diff := cmp.Diff(want, env.Event, timeEqual, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
				t.Fatalf("%s round %d: %s\n(-encoding/json +codec):\n%s", proto.EventType(), round, data, diff)
			}
		}
	}
}

// oddEvent exercises what a hand-edited or old payload may hold.
type oddEvent struct {
	ID     int64              `json:"id"`
	Name   string             `json:"name"`
	Opt    *string            `json:"opt"`
	Tags   []string           `json:"tags"`
	Extra  map[string]any     `json:"extra"`
	At     time.Time          `json:"at"`
	Raw    json.RawMessage    `json:"raw"`
	Ratio  float64            `json:"ratio"`
	Flag   bool               `json:"flag"`
	Counts map[string]int64   `json:"counts"`
	Nested struct{ A, B int } `json:"nested"`
	Small  uint8              `json:"small"`
}

func (oddEvent) EventType() string { return "Odd_v1" }

func TestDecodeOddInputsLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	reg, err := codec.New(oddEvent{})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		`{}`,
		`{"id":1,"name":"a","unknown":{"deep":[1,2,{"x":null}]},"more":"x"}`,
		`{"ID":2,"NAME":"upper","Opt":"case"}`,
		`{"id":3,"name":null,"opt":null,"tags":null,"extra":null,"at":null,"raw":null}`,
		`{"name":"esc \u00e9 \ud83d\ude00 \" \\ \/ \n"}`,
		`{"name":"bad surrogate \ud800"}`,
		"{\"name\":\"invalid utf8 \xff\xfe\"}",
		`{"id":1,"id":2,"name":"dup","name":"last"}`,
		` { "id" : 4 , "tags" : [ "a" , "b" ] } `,
		`{"extra":{"n":12345678901234567890,"f":1e400}}`,
		`{"extra":{"n":12345678901234567890,"f":1.5e3,"s":[true,false,null]}}`,
		`{"id":1.5}`,
		`{"id":"7"}`,
		`{"id":9223372036854775808}`,
		`{"small":256}`,
		`{"small":-1}`,
		`{"id":-9223372036854775809}`,
		`{"id":9223372036854775807,"small":255}`,
		`{"ratio":1e400}`,
		`{"ratio":1.7976931348623157e308}`,
		`{"extra":{"big":123456789012345678901234}}`,
		`{"name":"digits 12345678901234567890 in a string"}`,
		`{"id":1e3}`,
		`{"at":"2026-11-21T17:00:00.123456789+08:00"}`,
		`{"at":"2026-11-21 17:00:00"}`,
		`{"at":"2026-11-21T17:00:00Z","raw":{"k":[1, 2]}}`,
		`{"ratio":-0.0,"flag":true,"counts":{"a":1,"b":-2}}`,
		`{"nested":{"A":1,"b":2,"C":3}}`,
		`{"tags":["a",1]}`,
		`{"flag":"true"}`,
		`{"id":1}garbage`,
		`{"id":1`,
		`[1,2]`,
		`null`,
		``,
	}
	for _, in := range inputs {
		want, wantErr := stdDecode(reflect.TypeFor[oddEvent](), []byte(in))
		env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "odd-1", Type: "Odd_v1", Data: []byte(in)})
		if (wantErr != nil) != (err != nil) {
			t.Errorf("%s: encoding/json error %v, codec error %v", in, wantErr, err)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(want, env.Event, timeEqual); diff != "" {
			t.Errorf("%s (-encoding/json +codec):\n%s", in, diff)
		}
	}
}

func TestDecodeMetadataLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	reg, err := codec.New(oddEvent{})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{
		`{"correlation_id":"c","causation_id":"d","user_id":"u","client_ip":"1.2.3.4","user_agent":"ua \"x\"","occurred_at":"2026-11-21T17:00:00.5Z"}`,
		`{"correlation_id":"c","occurred_at":"0001-01-01T00:00:00Z"}`,
		`{"Correlation_ID":"case","unknown":[1,{"a":2}],"occurred_at":null}`,
		`{"occurred_at":"2026-11-21T17:00:00+01:00"}`,
		`{"occurred_at":"yesterday"}`,
		`{"user_id":42}`,
		`{}`,
	}
	for _, in := range inputs {
		var want eventlog.Metadata
		wantErr := json.Unmarshal([]byte(in), &want)
		env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "odd-1", Type: "Odd_v1", Data: []byte(`{}`), Metadata: []byte(in)})
		if (wantErr != nil) != (err != nil) {
			t.Errorf("%s: encoding/json error %v, codec error %v", in, wantErr, err)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(want, env.Meta, timeEqual); diff != "" {
			t.Errorf("%s (-encoding/json +codec):\n%s", in, diff)
		}
	}
}

// TestDecodeMetadataVariantsLikeEncodingJSON compares the codec's metadata
// decoding with encoding/json's on generated objects: every subset and order
// of keys, other key case, unknown keys, duplicates, white space, escapes,
// invalid UTF-8, nulls, numbers and times in and out of RFC 3339.
func TestDecodeMetadataVariantsLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	reg, err := codec.New(oddEvent{})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"correlation_id", "causation_id", "user_id", "client_ip", "user_agent", "occurred_at", "traceparent",
		"User_ID", "CORRELATION_ID", "unknown", "occurred_at"}
	values := []string{`"plain"`, `""`, `"ünï ✓"`, `"esc \" \\ \u00e9"`, "\"bad \xff\"", "\"ctl \x01\"", `null`, `42`,
		`"2026-11-21T17:00:00.123456789Z"`, `"2026-11-21T17:00:00+08:00"`, `"2026-11-21 17:00:00"`, `"0001-01-01T00:00:00Z"`,
		`{"x":1}`, `[1]`, `"\ud800"`}
	seps := []string{",", " ,", ", "}
	rnd := uint64(1)
	next := func(n int) int {
		rnd = rnd*6364136223846793005 + 1442695040888963407
		return int(rnd>>33) % n
	}
	for range 20000 {
		var b strings.Builder
		b.WriteString("{")
		for k := range next(5) {
			if k > 0 {
				b.WriteString(seps[next(len(seps))])
			}
			fmt.Fprintf(&b, "%q:%s", keys[next(len(keys))], values[next(len(values))])
		}
		b.WriteString("}")
		in := b.String()
		var want eventlog.Metadata
		wantErr := json.Unmarshal([]byte(in), &want)
		env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "odd-1", Type: "Odd_v1", Data: []byte(`{}`), Metadata: []byte(in)})
		if (wantErr != nil) != (err != nil) {
			t.Fatalf("%s: encoding/json error %v, codec error %v", in, wantErr, err)
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(want, env.Meta, timeEqual); diff != "" {
			t.Fatalf("%s (-encoding/json +codec):\n%s", in, diff)
		}
	}
	// What Encode writes is read back as it was.
	at := time.Date(2026, 11, 21, 17, 0, 0, 5, time.FixedZone("", -3600))
	for _, meta := range []eventlog.Metadata{{}, {OccurredAt: at}, {CorrelationID: "c", CausationID: "d", UserID: "u", ClientIP: "::1", UserAgent: "Mozilla/5.0 <x> & \"y\"", OccurredAt: at}} {
		ed, err := reg.Encode("id", oddEvent{}, meta)
		if err != nil {
			t.Fatal(err)
		}
		env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "odd-1", Type: ed.Type, Data: ed.Data, Metadata: ed.Metadata})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(meta, env.Meta, timeEqual); diff != "" {
			t.Fatalf("%s (-encoded +decoded):\n%s", ed.Metadata, diff)
		}
	}
}
