package app_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
	"github.com/fiveapis/backend/transport/httpapi/apidoctest"
)

// notAPIs are the server's own routes, outside the five APIs: operations,
// the event stream, probes and metrics, the console and the documents.
var notAPIs = []string{"/api/admin/projections", "/api/admin/parked", "/api/admin/mail", "/api/admin/consumers", "/api/admin/users/",
	"/events/", "/healthz", "/livez", "/readyz", "/metrics", "/console", "/openapi/", "/api-docs"}

// TestOpenAPICoverage keeps the documents and the router in step: every
// route of an API is an operation of its document, and every operation is
// routed. (The API tests check the answers: apptest's client validates
// each one against its operation.)
func TestOpenAPICoverage(t *testing.T) {
	t.Parallel()
	// Every optional route is served: the providers' logins and
	// Ralendar's sync (no call reaches the providers here).
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.OAuth.AcWingAppID, c.OAuth.AcWingAppSecret = "aw-app", "aw-secret"
		c.OAuth.QQAppID, c.OAuth.QQAppKey = "qq-app", "qq-key"
		c.Ralendar.SyncAPIKey = "sync-key"
		c.RalendarOAuth.ServerClients = []string{"roamio-b:0123456789abcdef:https://roamio.example/cb"}
	}))
	set := apidoctest.Shared(t).Set()
	type op struct{ method, path string }
	documented := map[op]*apidoc.Document{}
	for _, d := range set.Documents() {
		for p, item := range d.Spec.Paths.Map() {
			for method := range item.Operations() {
				documented[op{method, canonical(p)}] = d
			}
		}
	}
	routed := map[op]bool{}
	var undocumented []string
	for _, r := range s.App.Handler().(*echo.Echo).Routes() {
		if !isMethod(r.Method) || r.Name == httpapi.MethodNotAllowedRoute || strings.HasSuffix(r.Path, "*") || excluded(r.Path) {
			continue
		}
		o := op{r.Method, canonical(r.Path)}
		routed[o] = true
		if o.path != "/" && !strings.HasSuffix(o.path, "/") {
			routed[op{o.method, o.path + "/"}] = true // the APIs take both
		}
		if documented[o] == nil && documented[op{o.method, o.path + "/"}] == nil && documented[op{o.method, strings.TrimSuffix(o.path, "/")}] == nil {
			owner := "no document's prefixes"
			if d := set.Owner(r.Path); d != nil {
				owner = d.Name
			}
			undocumented = append(undocumented, owner+": "+r.Method+" "+r.Path)
		}
	}
	sort.Strings(undocumented)
	for _, u := range undocumented {
		t.Errorf("routed, not documented: %s", u)
	}
	for o, d := range documented {
		if !routed[o] && !routed[op{o.method, strings.TrimSuffix(o.path, "/")}] {
			t.Errorf("%s: %s %s is documented but not routed", d.Name, o.method, o.path)
		}
	}
	for _, d := range set.Documents() {
		r := s.Do(t, http.MethodGet, apidoc.DocumentsPath+d.Name+".json", "", nil)
		if r.Status != http.StatusOK {
			t.Errorf("%s.json: %d", d.Name, r.Status)
		}
	}
	if r := s.Do(t, http.MethodGet, apidoc.ReferencePath, "", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "swagger-ui") {
		t.Errorf("reference page: %d %.200s", r.Status, r.Body)
	}
}

var param = regexp.MustCompile(`\{[^}]+\}[^/]*|:[^/]+`)

// canonical names every path parameter alike: {id}, :id and {code}.png
// (a parameter with a suffix, which the router takes whole) are "{}".
func canonical(p string) string { return param.ReplaceAllString(p, "{}") }

func isMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func excluded(p string) bool {
	for _, pre := range notAPIs {
		if strings.HasPrefix(p+"/", pre) {
			return true
		}
	}
	return false
}

// TestReferencePage: the page and its assets are served from the binary;
// any other path under it is the edge's JSON 404.
func TestReferencePage(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for path, want := range map[string]int{
		apidoc.ReferencePath:                           200,
		apidoc.ReferencePath + "swagger-ui-bundle.js":  200,
		apidoc.ReferencePath + "swagger-ui.css":        200,
		apidoc.ReferencePath + "nothing-here.js":       404,
		apidoc.ReferencePath + "../openapi/cards.json": 404,
		apidoc.DocumentsPath + "cards.yaml":            200,
		apidoc.DocumentsPath:                           200,
		"/api/card/openapi.json":                       200,
	} {
		r := s.Do(t, http.MethodGet, path, "", nil)
		if r.Status != want {
			t.Errorf("GET %s: %d, want %d", path, r.Status, want)
		}
		if want == 404 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: a 404 that is not JSON: %s", path, r.Header.Get("Content-Type"))
		}
	}
}
