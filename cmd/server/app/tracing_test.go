package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/tracing"
	"github.com/fiveapis/backend/transport/tracing/tracingtest"
)

// TestOneRequestsTrace: with an OTLP endpoint configured, one request that
// arrives with a W3C traceparent is one trace at a real OTLP/HTTP receiver:
// the HTTP span (with the correlation id), under it the event store's read
// and append, and the identity projection's apply of the appended event,
// continued from the traceparent the event's metadata carries.
func TestOneRequestsTrace(t *testing.T) {
	t.Parallel()
	col := tracingtest.Start(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Tracing = tracing.Config{OTLPEndpoint: col.URL + "/v1/traces", ServiceName: "fiveapis-test", SampleRatio: 1}
	}))
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	name := "tracer" + apptest.RandomHex(4)
	body := `{"username":"` + name + `","email":"` + name + `@example.com","password":"wonderland-42","password_confirm":"wonderland-42"}`
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/auth/register/", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	req.Header.Set("X-Correlation-ID", "trace-me-1")
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	// byName finds the span named prefix, or prefix followed by " " or "/".
	byName := func(spans []tracingtest.Span, prefix string) (tracingtest.Span, bool) {
		for _, sp := range spans {
			if sp.Name == prefix || strings.HasPrefix(sp.Name, prefix+" ") || strings.HasPrefix(sp.Name, prefix+"/") {
				return sp, true
			}
		}
		return tracingtest.Span{}, false
	}
	spans := col.WaitFor(traceID, 30*time.Second, func(spans []tracingtest.Span) bool {
		_, proj := byName(spans, "projection identity")
		_, app := byName(spans, "eventlog.append user")
		return proj && app
	})
	httpSpan, ok := byName(spans, "POST /api/v1/auth/register")
	if !ok {
		httpSpan, ok = byName(spans, "/api/v1/auth/register")
	}
	if !ok {
		t.Fatalf("no HTTP span in %+v", spans)
	}
	if httpSpan.ParentSpanID != "00f067aa0ba902b7" || httpSpan.Attributes["correlation_id"] != "trace-me-1" || httpSpan.Service != "fiveapis-test" {
		t.Errorf("HTTP span %+v", httpSpan)
	}
	appendSpan, ok := byName(spans, "eventlog.append user")
	if !ok {
		t.Fatalf("no append span in %+v", spans)
	}
	if !strings.HasPrefix(appendSpan.Attributes["eventlog.stream"], "user-") || appendSpan.Attributes["eventlog.position"] == "" {
		t.Errorf("append span %+v", appendSpan)
	}
	proj, ok := byName(spans, "projection identity")
	if !ok {
		t.Fatalf("no projection span in %+v", spans)
	}
	if proj.Attributes["correlation_id"] != "trace-me-1" || proj.Attributes["eventlog.stream"] != appendSpan.Attributes["eventlog.stream"] {
		t.Errorf("projection span %+v (append %+v)", proj, appendSpan)
	}
	// A correlation id that is not one (not UTF-8: the OTLP export of the
	// whole batch would fail on it) is replaced by the request id, as in the
	// events' metadata, and the trace is still exported.
	const badTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
	bad, err := http.NewRequest(http.MethodGet, s.URL+"/api/v1/auth/qq_login_url/", nil)
	if err != nil {
		t.Fatal(err)
	}
	bad.Header.Set("traceparent", "00-"+badTrace+"-00f067aa0ba902b7-01")
	bad.Header["X-Correlation-Id"] = []string{"\xff\xfe bad"}
	if resp, err := s.Client.Do(bad); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	badSpans := col.WaitFor(badTrace, 30*time.Second, func(spans []tracingtest.Span) bool { return len(spans) > 0 })
	if len(badSpans) == 0 {
		t.Fatal("the request with a bad correlation id left no trace")
	}
	if c := badSpans[0].Attributes["correlation_id"]; c == "" || strings.Contains(c, "bad") {
		t.Errorf("correlation_id %q for a bad X-Correlation-ID", c)
	}

	// Each span's parent is in the trace (or the client's span).
	ids := map[string]bool{"00f067aa0ba902b7": true}
	for _, sp := range spans {
		ids[sp.SpanID] = true
	}
	for _, sp := range spans {
		if !ids[sp.ParentSpanID] {
			t.Errorf("span %s has a parent %s outside the trace", sp.Name, sp.ParentSpanID)
		}
	}
}
