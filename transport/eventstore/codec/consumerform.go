package codec

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Forms makes the consumer-facing form of events: what consumers outside
// the process (the SSE stream, JetStream) may see.
type Forms struct {
	reg     *Registry
	key     []byte
	private map[string]bool
}

// Forms returns the consumer-facing forms of the registry's events; the
// pseudonyms of private streams are made with key (AddPrivate).
func (r *Registry) Forms(key []byte) *Forms {
	return &Forms{reg: r, key: key, private: map[string]bool{}}
}

// AddPrivate names categories whose stream ids are personal data or secrets
// (an address's digest, a token's id): their streams get a pseudonym, the
// same for every event of the stream. Like Register, it is called while the
// server is assembled, before events are read.
func (f *Forms) AddPrivate(categories ...string) {
	for _, c := range categories {
		f.private[c] = true
	}
}

// ConsumerForm returns rec as consumers outside the process may see it: its
// newest version (Upcast) with every payload and metadata key that
// eventlog.HiddenFromConsumers names removed, at any depth, and, for a
// private category, a pseudonym for the stream's id. Id, type, version and
// position are kept.
func (f *Forms) ConsumerForm(rec eventlog.RecordedEvent) (eventlog.RecordedEvent, error) {
	rec, err := f.reg.Upcast(rec)
	if err != nil {
		return rec, err
	}
	if cat := rec.Category(); f.private[cat] {
		mac := hmac.New(sha256.New, f.key)
		mac.Write([]byte(rec.StreamID))
		rec.StreamID = eventlog.StreamID(cat, hex.EncodeToString(mac.Sum(nil)[:16]))
	}
	if rec.Data, err = withoutHidden(rec.Data); err != nil {
		return rec, fmt.Errorf("codec: consumer form of %s@%d: %w", rec.StreamID, rec.Version, err)
	}
	if rec.Metadata, err = withoutHidden(rec.Metadata); err != nil {
		return rec, fmt.Errorf("codec: consumer form of %s@%d metadata: %w", rec.StreamID, rec.Version, err)
	}
	return rec, nil
}

// withoutHidden drops the hidden keys of a JSON document; one without any
// is returned unchanged.
func withoutHidden(doc []byte) ([]byte, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return doc, nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // numbers keep their text
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	if !prune(v) {
		return doc, nil
	}
	return json.Marshal(v)
}

// prune removes hidden keys in place and reports whether it removed any.
func prune(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if eventlog.HiddenFromConsumers(k) {
				delete(v, k)
				changed = true
				continue
			}
			changed = prune(x) || changed
		}
	case []any:
		for _, x := range v {
			changed = prune(x) || changed
		}
	}
	return changed
}
