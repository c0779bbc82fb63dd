package codec_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// flatLabel is a named string type, as the domain's categories are.
type flatLabel string

// flatEvent has a field of every kind a flat plan reads, and fields it must
// leave alone.
type flatEvent struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Label   flatLabel `json:"label,omitempty"`
	Small   int8      `json:"small"`
	Medium  int32     `json:"medium"`
	Count   uint16    `json:"count"`
	Big     uint64    `json:"big"`
	Flag    bool      `json:"flag"`
	At      time.Time `json:"at"`
	NoTag   string
	Skipped string `json:"-"`
	hidden  string //nolint:unused // an unexported field: never decoded
}

func (flatEvent) EventType() string { return "Flat_v1" }

// TestDecodeFlatVariantsLikeEncodingJSON compares the codec's decoding of a
// flat event type with encoding/json's on generated objects: what Encode
// writes, and every subset and order of keys, other key case, unknown and
// repeated keys, white space, escapes, invalid UTF-8, nulls, integers at and
// past their limits, fractions, exponents, leading zeros, literals and times
// in and out of RFC 3339.
func TestDecodeFlatVariantsLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	reg, err := codec.New(flatEvent{})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"id", "name", "label", "small", "medium", "count", "big", "flag", "at", "NoTag", "Skipped", "-", "hidden",
		"ID", "Name", "notag", "unknown", "id"}
	values := []string{`"plain"`, `""`, `"ünï ✓"`, `"esc \" \\ \u00e9"`, "\"bad \xff\"", "\"ctl \x01\"", `null`,
		`0`, `-0`, `7`, `-7`, `007`, `1.0`, `1e2`, `1E2`, `-`, `127`, `128`, `-128`, `-129`, `255`, `65535`, `65536`,
		`2147483647`, `2147483648`, `-2147483648`, `9223372036854775807`, `9223372036854775808`, `-9223372036854775808`,
		`-9223372036854775809`, `18446744073709551615`, `18446744073709551616`, `99999999999999999999999`,
		`true`, `false`, `tru`, `truex`, `"true"`,
		`"2026-11-21T17:00:00.123456789Z"`, `"2026-11-21T17:00:00+08:00"`, `"2026-11-21 17:00:00"`, `"0001-01-01T00:00:00Z"`,
		`{"x":1}`, `[1]`, `"\ud800"`}
	seps := []string{",", " ,", ", ", ",,"}
	rnd := uint64(7)
	next := func(n int) int {
		rnd = rnd*6364136223846793005 + 1442695040888963407
		return int(rnd>>33) % n
	}
	check := func(in string) {
		t.Helper()
		decodesLikeEncodingJSON(t, reg, []byte(in))
	}
	for range 30000 {
		var b strings.Builder
		b.WriteString("{")
		for k := range next(6) {
			if k > 0 {
				b.WriteString(seps[next(len(seps))])
			}
			fmt.Fprintf(&b, "%q:%s", keys[next(len(keys))], values[next(len(values))])
		}
		if next(20) == 0 {
			b.WriteString([]string{" ", ",", "x", "}"}[next(4)])
		}
		b.WriteString("}")
		check(b.String())
	}
	for _, in := range []string{``, `{`, `}`, `{}`, `{} `, `null`, `[]`, `{"id":1`, `{"id":1,}`, `{"id"}`, `{"id":}`, `{"id" :1}`, `{"id":1}}`} {
		check(in)
	}
	// What Encode writes is read back as it was.
	f := &filler{}
	for range 200 {
		var ev flatEvent
		f.fill(reflect.ValueOf(&ev).Elem(), 0)
		ev.Skipped, ev.hidden = "", ""
		ed, err := reg.Encode("id", ev, eventlog.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "flat-1", Type: ed.Type, Data: ed.Data})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ev, env.Event, timeEqual, cmp.AllowUnexported(flatEvent{})); diff != "" {
			t.Fatalf("%s (-encoded +decoded):\n%s", ed.Data, diff)
		}
		check(string(ed.Data))
	}
}

// FuzzDecodeFlat: the codec decodes any payload of a flat event type as
// encoding/json does: the same error or none, the same value.
func FuzzDecodeFlat(f *testing.F) {
	reg, err := codec.New(flatEvent{})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"id":1,"name":"a","label":"dance","small":-128,"medium":7,"count":65535,"big":18446744073709551615,"flag":true,"at":"2026-11-21T17:00:00Z","NoTag":"n"}`,
		`{"id":-0,"name":"\u00e9","small":128}`,
		`{"flag":false,"flag":true,"ID":2}`,
		"{\"name\":\"\xff\"}",
		`{"at":"2026-11-21T17:00:00.123+08:00","big":1e3}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte(`\u0000`)) {
			return // the codec drops NULs from old events' text (nul.go)
		}
		decodesLikeEncodingJSON(t, reg, data)
	})
}

// decodesLikeEncodingJSON fails t unless reg decodes data as a flatEvent as
// encoding/json does: the same error or none, the same value.
func decodesLikeEncodingJSON(t *testing.T, reg *codec.Registry, data []byte) {
	t.Helper()
	var want flatEvent
	wantErr := json.Unmarshal(data, &want)
	env, err := reg.Decode(eventlog.RecordedEvent{StreamID: "flat-1", Type: "Flat_v1", Data: data})
	if (wantErr != nil) != (err != nil) {
		t.Fatalf("%q: encoding/json error %v, codec error %v", data, wantErr, err)
	}
	if err != nil {
		return
	}
	if diff := cmp.Diff(want, env.Event, timeEqual, cmp.AllowUnexported(flatEvent{})); diff != "" {
		t.Fatalf("%q (-encoding/json +codec):\n%s", data, diff)
	}
}
