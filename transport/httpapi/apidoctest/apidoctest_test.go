package apidoctest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fiveapis/backend/transport/httpapi/apidoctest"
)

// TestCheckerFindsAndChecks: a documented operation is found with and
// without its trailing slash, a body against its schema fails, an
// undocumented status fails, and an undocumented path is not checked.
func TestCheckerFindsAndChecks(t *testing.T) {
	c := apidoctest.Shared(t)
	json := http.Header{"Content-Type": {"application/json"}}
	for _, p := range []string{"/api/card/templates/", "/api/card/templates"} {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+p, nil)
		if _, _, ok := c.Route(req); !ok {
			t.Fatalf("GET %s: no route", p)
		}
		if err := c.Check(req, 200, json, []byte(`{"status": 7}`)); err == nil {
			t.Errorf("GET %s: a body against the schema passed", p)
		}
		if err := c.Check(req, 418, json, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "status") {
			t.Errorf("GET %s: an undocumented status passed: %v", p, err)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/healthz", nil)
	if _, _, ok := c.Route(req); ok {
		t.Error("/healthz is documented?")
	}
	if err := c.Check(req, 200, json, []byte(`x`)); err != nil {
		t.Error(err)
	}
}
