package apptest

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// JSONType names the JSON type of a decoded value as a client's field
// needs it: "string", "int" (a whole number: what Gson reads into an int or
// a long), "number" (any other), "bool", "list", "object" or "null".
func JSONType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "int"
		}
		return "number"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// Field returns the value at a dotted path of a decoded JSON body
// ("user.profile.avatar_url"; a number indexes a list: "results.0.id") and
// whether it is there.
func Field(body any, path string) (any, bool) {
	v := body
	for _, key := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[key]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// CheckReads checks the fields a client reads in an answer: want maps a
// dotted path (Field) to the JSON types it may have, separated by "|"
// ("string", "string|null"; "number" takes an "int" too); "absent" allows
// the field to be missing (a field the client reads with optional
// chaining).
func CheckReads(t testing.TB, body any, want map[string]string) {
	t.Helper()
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		allowed := strings.Split(want[p], "|")
		v, ok := Field(body, p)
		switch {
		case !ok && !slices.Contains(allowed, "absent"):
			t.Errorf("%s: missing (want %s)", p, want[p])
		case ok && !slices.Contains(allowed, JSONType(v)) && !(JSONType(v) == "int" && slices.Contains(allowed, "number")):
			t.Errorf("%s: %s %v (want %s)", p, JSONType(v), v, want[p])
		}
	}
}
