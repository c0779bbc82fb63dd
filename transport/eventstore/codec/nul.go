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
// payload without the escape is returned as it is, at the cost of one scan.
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
	out, changed := stripNUL(v)
	if !changed {
		return data, nil // the escape was a literal backslash and "u0000"
	}
	return json.Marshal(out)
}

// stripNUL returns v without NUL characters in its strings and keys.
func stripNUL(v any) (any, bool) {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) < 0 {
			return v, false
		}
		return strings.ReplaceAll(v, "\x00", ""), true
	case map[string]any:
		changed := false
		for k, x := range v {
			nx, c := stripNUL(x)
			nk := strings.ReplaceAll(k, "\x00", "")
			if c || nk != k {
				delete(v, k)
				v[nk] = nx
				changed = true
			}
		}
		return v, changed
	case []any:
		changed := false
		for i, x := range v {
			nx, c := stripNUL(x)
			v[i] = nx
			changed = changed || c
		}
		return v, changed
	}
	return v, false
}
