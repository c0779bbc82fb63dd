package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi"
)

// TestEventMetaIsBounded shows that what a client's headers put into event
// metadata is bounded and cleaned: the log keeps it forever.
func TestEventMetaIsBounded(t *testing.T) {
	t.Parallel()
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.DiscardHandler), routesFunc(func(e *echo.Echo) {
		e.GET("/meta", func(c echo.Context) error { return c.JSON(http.StatusOK, httpapi.EventMeta(c, time.Now())) })
	}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	get := func(t *testing.T, h map[string]string) eventlog.Metadata {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/meta", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m eventlog.Metadata
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m.CausationID == "" || m.CausationID != resp.Header.Get(echo.HeaderXRequestID) {
			t.Errorf("causation id %q, request id %q", m.CausationID, resp.Header.Get(echo.HeaderXRequestID))
		}
		return m
	}

	t.Run("a long user agent is cut", func(t *testing.T) {
		m := get(t, map[string]string{"User-Agent": strings.Repeat("日本", 10000)})
		if len(m.UserAgent) > httpapi.MaxUserAgent || !strings.HasPrefix(m.UserAgent, "日本") {
			t.Errorf("user agent of %d bytes: %.40q", len(m.UserAgent), m.UserAgent)
		}
	})
	t.Run("control characters and invalid UTF-8 leave the user agent", func(t *testing.T) {
		// (The HTTP server itself refuses other control characters in headers.)
		m := get(t, map[string]string{"User-Agent": "App/1.0\t\xff\xfe (x)"})
		if m.UserAgent != "App/1.0 (x)" {
			t.Errorf("user agent %q", m.UserAgent)
		}
	})
	t.Run("a malformed correlation id is replaced by the request id", func(t *testing.T) {
		for _, bad := range []string{strings.Repeat("c", 500), "a b", "ünï", "x\ty"} {
			m := get(t, map[string]string{httpapi.HeaderCorrelationID: bad})
			if m.CorrelationID != m.CausationID {
				t.Errorf("correlation id %q from %q", m.CorrelationID, bad)
			}
		}
	})
	t.Run("a valid correlation id is kept", func(t *testing.T) {
		if m := get(t, map[string]string{httpapi.HeaderCorrelationID: "batch-7:import/2"}); m.CorrelationID != "batch-7:import/2" {
			t.Errorf("correlation id %q", m.CorrelationID)
		}
	})
	t.Run("a malformed request id from the client is replaced", func(t *testing.T) {
		m := get(t, map[string]string{echo.HeaderXRequestID: strings.Repeat("r", 5000)})
		if len(m.CausationID) > httpapi.MaxRequestID {
			t.Errorf("causation id of %d bytes", len(m.CausationID))
		}
	})
}

func TestCleanLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\x00b\nc\td", 10, "abcd"},
		{"bad \xff utf8", 20, "bad  utf8"},
		{"日本語", 7, "日本"},
		{"abc", 0, ""},
	} {
		if got := httpapi.CleanLine(tc.in, tc.max); got != tc.want {
			t.Errorf("CleanLine(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
