package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// nulEscape is how a NUL character appears inside a JSON string.
var nulEscape = []byte(`\u0000`)

// withoutNUL removes NUL characters from every string (and key) of a JSON
// payload: the repair of events written before the HTTP edge refused them
// (httpapi.CheckText). PostgreSQL text cannot hold NUL, so such an event
// could never be projected, and history is never edited; every reader
// (projectors, the CLI, the consumers) gets it through here instead. A
// payload without the escape is returned as it is, at the cost of one scan;
// one with it is written again, also when no decoded string held a NUL: the
// escape may be a literal backslash and "u0000", or sit in a key given twice,
// whose first value decoding drops (and which PostgreSQL's jsonb would still
// refuse).
func withoutNUL(data []byte) ([]byte, error) {
	if !bytes.Contains(data, nulEscape) {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return json.Marshal(stripNUL(v))
}

// stripNUL returns v without NUL characters in its strings and keys.
func stripNUL(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "")
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[strings.ReplaceAll(k, "\x00", "")] = stripNUL(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = stripNUL(x)
		}
		return v
	}
	return v
}
