package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
)

// internals are what an answer must never show a client: Go's and the
// database's own words.
var internals = regexp.MustCompile(`(?i)json: cannot|invalid character|unexpected end of JSON|SQLSTATE|pgx|pgconn|runtime error|goroutine |panic|sql: |duplicate key|violates|\.go:\d+|strconv\.|parsing time`)

// csrfTokenRE is the CSRF token of a console page's form.
var csrfTokenRE = regexp.MustCompile(`name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"`)

// hostileRequest is one malformed request for a route.
type hostileRequest struct {
	name, contentType string
	body              []byte
	query             string
	param             string
	header            map[string]string
}

func hostileCorpus() []hostileRequest {
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("name", "a\x00b")
	fw, _ := w.CreateFormFile("file", "../../etc/passwd")
	_, _ = fw.Write([]byte("\x00\xff not an image"))
	_ = w.Close()
	return []hostileRequest{
		{name: "malformed JSON", contentType: "application/json", body: []byte(`{"a":`), param: "1"},
		{name: "JSON of the wrong shape", contentType: "application/json", body: []byte(`[1,2,3]`), param: "1"},
		{name: "wrong types", contentType: "application/json", body: []byte(`{"name":{"x":1},"id":"abc","page":[],"title":1e400,"start":true,"username":null,"password":5}`), param: "1"},
		{name: "NUL and invalid UTF-8 in every field", contentType: "application/json",
			body:  []byte("{\"name\":\"a\\u0000b\",\"title\":\"\xff\",\"description\":\"x\\u0007\",\"username\":\"u\\u0000\",\"password\":\"p\\u0000\",\"email\":\"a\\u0000@b.c\",\"content\":\"\\u0000\"}"),
			query: "?search=%00&page=%FF&page_size=%00", param: "%00"},
		{name: "huge numbers and ids", contentType: "application/json", body: []byte(`{"id":99999999999999999999999,"page":-1,"limit":1e308}`),
			query: "?page=99999999999999999999&page_size=-5&limit=1e400&offset=-1", param: "99999999999999999999"},
		{name: "multipart garbage", contentType: w.FormDataContentType(), body: mp.Bytes(), param: "-1"},
		{name: "a broken multipart boundary", contentType: "multipart/form-data; boundary=x", body: []byte("--y\r\nnonsense"), param: "0"},
		{name: "a form with NUL", contentType: "application/x-www-form-urlencoded", body: []byte("name=a%00b&username=%FF"), param: "abc"},
		{name: "an unknown content type", contentType: "application/x-unknown", body: []byte("\x00\x01"), param: "1"},
		{name: "a long user agent and correlation id", contentType: "application/json", body: []byte(`{}`), param: "1",
			header: map[string]string{"User-Agent": strings.Repeat("u", 30000), "X-Correlation-ID": strings.Repeat("c", 5000)}},
	}
}

// TestHostileRequests walks every registered route with a hostile corpus
// (malformed JSON, wrong types, NUL and invalid UTF-8 in every field and
// query parameter, huge numbers, multipart garbage, oversized headers), as
// an anonymous caller and as a user: never a 5xx, never internals in an
// answer, always JSON (the operator console: an HTML page); afterwards
// nothing is parked.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	// Ralendar's OAuth provider is served too (it is optional).
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.RalendarOAuth.ServerClients = []string{"hostile:0123456789abcdef:https://roamio.example/cb"}
	}))
	// On 001's staff, so that the hostile bodies reach the handlers of the
	// routes that are for members (docs/identity.md, "Membership").
	user := s.NewHHUStaff(t).Bearer
	routes := s.App.Handler().(*echo.Echo).Routes()
	seen := map[string]bool{}
	var todo []*echo.Route
	for _, r := range routes {
		key := r.Method + " " + strings.TrimSuffix(r.Path, "/")
		if seen[key] || r.Method == echo.RouteNotFound || strings.HasPrefix(r.Path, "/events/stream") || r.Path == "/metrics" || r.Path == "/readyz" || staticDocument(r.Path) {
			continue
		}
		seen[key] = true
		todo = append(todo, r)
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Path+todo[i].Method < todo[j].Path+todo[j].Method })
	paramRE := regexp.MustCompile(`:[A-Za-z_]+|\*`)
	// Four routes at a time: the requests of one route run in order, as a
	// client's would, and the test spent its time waiting on answers.
	var (
		failures atomic.Int64
		wg       sync.WaitGroup
		slots    = make(chan struct{}, 4)
	)
	for _, r := range todo {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			hostileRoute(t, s, r, user, paramRE, &failures)
		}()
	}
	wg.Wait()
	t.Logf("%d routes, %d requests each, %d problems", len(todo), 2*len(hostileCorpus()), failures.Load())
	parked, err := s.App.Engine().Parked(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parked {
		t.Errorf("parked after the hostile corpus: %s %s: %.200s", p.Projection, p.Type, p.Error)
	}
}

// staticDocument tells the routes of the OpenAPI documents and the
// reference page: they read nothing of a request, and TestReferencePage
// checks them. Scanning their hundreds of kilobytes for internals, twenty
// times each, was most of this test's time.
func staticDocument(path string) bool {
	return strings.HasPrefix(path, apidoc.DocumentsPath) || strings.HasPrefix(path, strings.TrimSuffix(apidoc.ReferencePath, "/")) ||
		strings.HasSuffix(path, "/openapi.json")
}

// hostileRoute sends every request of the corpus to route r, anonymous and
// as user, and reports each answer that is a problem.
func hostileRoute(t *testing.T, s *apptest.Server, r *echo.Route, user string, paramRE *regexp.Regexp, failures *atomic.Int64) {
	for _, h := range hostileCorpus() {
		for _, auth := range []string{"", user} {
			path := paramRE.ReplaceAllString(r.Path, h.param) + h.query
			req, err := http.NewRequestWithContext(context.Background(), r.Method, s.URL+path, bytes.NewReader(h.body))
			if err != nil {
				continue // a path Go cannot send
			}
			req.Header.Set("Content-Type", h.contentType)
			for k, v := range h.header {
				req.Header.Set(k, v)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := s.Client.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", r.Method, path, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			problem := ""
			scanned := body
			if strings.HasPrefix(r.Path, "/console") {
				// A console page's CSRF token is 64 random letters and
				// digits, which may spell "pgx" or "panic".
				scanned = csrfTokenRE.ReplaceAll(body, nil)
			}
			switch {
			case resp.StatusCode >= 500:
				problem = "a 5xx"
			case internals.Match(scanned):
				problem = "internals"
			case strings.HasPrefix(r.Path, "/console"):
				// The operator console answers in HTML pages, errors too.
				if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					problem = "a console error that is not an HTML page"
				}
			case resp.StatusCode >= 400 && len(body) > 0 && !json.Valid(body):
				problem = "an error that is not JSON"
			case resp.StatusCode >= 400 && len(body) == 0 && !strings.HasPrefix(r.Path, "/api/lastest/"):
				// (tastypie answers 401 and 404 with no body)
				problem = "an error without a body"
			}
			if problem != "" {
				if failures.Add(1) <= 60 {
					t.Errorf("%s %s (%s, %s): %s: %d %.200s", r.Method, r.Path, h.name, map[bool]string{true: "user", false: "anonymous"}[auth != ""], problem, resp.StatusCode, body)
				}
			}
		}
	}
}
