package eventlog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// JSONEvent is a recorded event as consumers outside the process see it: one
// line of a JSONL export, the data of a Server-Sent Event, the body of an
// analytics message. docs/consumers.md is its contract.
//
// Data and Metadata are embedded as JSON when the stored bytes are JSON in
// the canonical form encoding/json writes (what the codec stores), so a
// round trip gives back the very same bytes; other bytes travel as base64 in
// DataBase64 / MetadataBase64 instead.
type JSONEvent struct {
	ID             string          `json:"id"`
	Stream         string          `json:"stream"`
	Category       string          `json:"category"`
	Version        uint64          `json:"version"`
	Position       string          `json:"position"`
	Type           string          `json:"type"`
	RecordedAt     time.Time       `json:"recorded_at"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	MetadataBase64 string          `json:"metadata_base64,omitempty"`
	Data           json.RawMessage `json:"data,omitempty"`
	DataBase64     string          `json:"data_base64,omitempty"`
}

// ToJSON returns the JSON form of r.
func ToJSON(r RecordedEvent) JSONEvent {
	j := JSONEvent{
		ID: r.ID, Stream: r.StreamID, Category: r.Category(), Version: r.Version,
		Position: r.Position.String(), Type: r.Type, RecordedAt: r.RecordedAt.UTC(),
	}
	j.Data, j.DataBase64 = embed(r.Data)
	j.Metadata, j.MetadataBase64 = embed(r.Metadata)
	return j
}

// Record turns j back into a recorded event (the inverse of ToJSON).
func (j JSONEvent) Record() (RecordedEvent, error) {
	pos, err := ParsePosition(j.Position)
	if err != nil {
		return RecordedEvent{}, fmt.Errorf("event %s: %w", j.ID, err)
	}
	r := RecordedEvent{ID: j.ID, StreamID: j.Stream, Version: j.Version, Position: pos, Type: j.Type, RecordedAt: j.RecordedAt}
	if r.Data, err = unembed(j.Data, j.DataBase64); err != nil {
		return RecordedEvent{}, fmt.Errorf("event %s: data: %w", j.ID, err)
	}
	if r.Metadata, err = unembed(j.Metadata, j.MetadataBase64); err != nil {
		return RecordedEvent{}, fmt.Errorf("event %s: metadata: %w", j.ID, err)
	}
	if r.ID == "" || r.StreamID == "" || r.Type == "" {
		return RecordedEvent{}, fmt.Errorf("event %q: id, stream and type are required", j.ID)
	}
	return r, nil
}

// embed returns b as raw JSON when json.Marshal reproduces it byte for byte,
// else as base64.
func embed(b []byte) (json.RawMessage, string) {
	if len(b) == 0 {
		return nil, ""
	}
	if json.Valid(b) {
		if out, err := json.Marshal(json.RawMessage(b)); err == nil && bytes.Equal(out, b) {
			return json.RawMessage(b), ""
		}
	}
	return nil, base64.StdEncoding.EncodeToString(b)
}

func unembed(raw json.RawMessage, b64 string) ([]byte, error) {
	if b64 != "" {
		return base64.StdEncoding.DecodeString(b64)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	return []byte(raw), nil
}
