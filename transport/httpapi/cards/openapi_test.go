package cards_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIDocument keeps the document accurate: every documented
// operation is routed, every other method of a documented path is 405, and
// every reference resolves.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := start(t, options{})
	r := s.do("GET", "/api/card/openapi.json", "", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %d", r.Status)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(r.Raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) < 15 {
		t.Fatalf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
	t.Run("every documented operation is routed, every other method of its path is 405", func(t *testing.T) {
		s := s.in(t)
		concrete := strings.NewReplacer("{id}", "999999", "{category}", "dance", "{card_code}", "X_1-AAAAAAAAAAAA")
		for path, ops := range doc.Paths {
			for _, method := range []string{"get", "post", "put", "patch", "delete"} {
				_, documented := ops[method]
				for _, p := range []string{path, strings.TrimSuffix(path, "/")} {
					res := s.do(strings.ToUpper(method), concrete.Replace(p), "admin", map[string]any{})
					switch {
					case documented && (res.Status == 405 || res.Body["error_code"] == "NOT_FOUND"):
						t.Errorf("%s %s is documented but not routed: %d %s", method, p, res.Status, res.Raw)
					case !documented && res.Status != 405:
						t.Errorf("%s %s is not documented but answers %d", method, p, res.Status)
					case !documented:
						s.want(res, 405, "METHOD_NOT_ALLOWED")
					}
				}
			}
		}
	})
	t.Run("every reference resolves", func(t *testing.T) {
		checkRefs(t, r.Raw, doc.Components)
	})
}

// checkRefs fails for every $ref in the document that names no component.
func checkRefs(t *testing.T, raw []byte, components map[string]map[string]json.RawMessage) {
	t.Helper()
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "$ref" {
					refs = append(refs, e.(string))
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var all any
	_ = json.Unmarshal(raw, &all)
	walk(all)
	for _, ref := range refs {
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if len(parts) != 2 || components[parts[0]][parts[1]] == nil {
			t.Errorf("unresolved $ref %s", ref)
		}
	}
}
