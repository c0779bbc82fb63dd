package eventlog

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestJSONEventRoundTrip(t *testing.T) {
	for _, data := range [][]byte{
		[]byte(`{"a":1,"b":"x\u003cy"}`), // canonical: embedded as JSON
		[]byte(`{ "a" : 1 }`),            // valid but not canonical: base64
		[]byte("\x00\x01binary"),         // not JSON: base64
		nil,
	} {
		rec := RecordedEvent{ID: "e1", StreamID: "card-1", Version: 3, Position: Position{Commit: 9, Prepare: 9},
			Type: "CardUsed_v1", Data: data, Metadata: []byte(`{"user_id":"7"}`), RecordedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
		b, err := json.Marshal(ToJSON(rec))
		if err != nil {
			t.Fatal(err)
		}
		var j JSONEvent
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		got, err := j.Record()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, rec.Data) || !bytes.Equal(got.Metadata, rec.Metadata) || got.Position != rec.Position ||
			got.Version != rec.Version || got.StreamID != rec.StreamID || !got.RecordedAt.Equal(rec.RecordedAt) || j.Category != "card" {
			t.Errorf("round trip of %q via %s: got %+v", data, b, got)
		}
	}
}
