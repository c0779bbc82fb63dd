package httpapi_test

import (
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// TestCheckText: every route a Router adds refuses text no read model can
// store, naming the field, and lets everything else through unchanged.
func TestCheckText(t *testing.T) {
	t.Parallel()
	var got string
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.DiscardHandler), routesFunc(func(e *echo.Echo) {
		r := httpapi.NewRouter(e, "/t", func(c echo.Context, err error) error {
			f, _ := fault.As(err)
			return c.JSON(http.StatusBadRequest, map[string]string{"field": f.Field})
		})
		r.POST("/echo/:name/", func(c echo.Context) error {
			b, _ := io.ReadAll(c.Request().Body)
			got = string(b) + c.FormValue("title")
			return c.NoContent(http.StatusNoContent)
		})
		r.POST("/body/", func(c echo.Context) error {
			first, err := httpapi.Body(c)
			if err != nil {
				return err
			}
			again, _ := httpapi.Body(c)
			rest, _ := io.ReadAll(c.Request().Body)
			got = string(first) + "|" + string(again) + "|" + string(rest)
			return c.NoContent(http.StatusNoContent)
		})
	}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	post := func(t *testing.T, path, ct, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, path, ct, body string
		field                string // "" when accepted
	}{
		{"clean JSON passes", "/t/echo/a/", "application/json", `{"title":"早上好\n\tok","n":1e400,"list":["x"]}`, ""},
		{"NUL in a JSON string", "/t/echo/a/", "application/json", `{"title":"a\u0000b"}`, "title"},
		{"a control character deep inside", "/t/echo/a/", "application/json", `{"answers":{"phone":"1\u0007"}}`, "answers.phone"},
		{"in a list", "/t/echo/a/", "application/json", `{"items":[{"name":"ok"},{"name":"x\u001b"}]}`, "items[1].name"},
		{"in a key", "/t/echo/a/", "application/json", `{"ti\u0000tle":"x"}`, "ti\x00tle"},
		{"invalid UTF-8 in a JSON string", "/t/echo/a/", "application/json", "{\"title\":\"a\xffb\"}", "title"},
		{"a C1 control", "/t/echo/a/", "application/json", `{"title":"a\u0085"}`, "title"},
		{"a raw C1 control", "/t/echo/a/", "application/json", "{\"title\":\"a\u0085\"}", "title"},
		{"a backspace escape", "/t/echo/a/", "application/json", `{"title":"a\b"}`, "title"},
		{"a form feed escape", "/t/echo/a/", "application/json", `{"x":"ok","title":"\f"}`, "title"},
		{"an escaped backslash before u is text", "/t/echo/a/", "application/json", `{"title":"C:\\u0000\\b"}`, ""},
		{"a raw control character is malformed JSON, the handler's", "/t/echo/a/", "application/json", "{\"title\":\"a\x01\"}", ""},
		{"a top-level string", "/t/echo/a/", "application/json", `"\u0000"`, "non_field_errors"},
		{"malformed JSON is the handler's", "/t/echo/a/", "application/json", `{"title":`, ""},
		{"NUL in a query parameter", "/t/echo/a/?search=%00", "application/json", `{}`, "search"},
		{"invalid UTF-8 in a query parameter", "/t/echo/a/?search=%FF", "application/json", `{}`, "search"},
		{"NUL in a path parameter", "/t/echo/a%00b/", "application/json", `{}`, "name"},
		{"NUL in a form field", "/t/echo/a/", "application/x-www-form-urlencoded", "title=a%00b", "title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, tc.path, tc.ct, tc.body)
			if tc.field == "" {
				if status != http.StatusNoContent {
					t.Fatalf("status %d %s", status, body)
				}
				return
			}
			if status != http.StatusBadRequest || !strings.Contains(body, `"field":`+quote(tc.field)) {
				t.Fatalf("status %d %s, want 400 naming %q", status, body, tc.field)
			}
		})
	}
	t.Run("a multipart field", func(t *testing.T) {
		var b strings.Builder
		w := multipart.NewWriter(&b)
		_ = w.WriteField("title", "a\x00b")
		fw, _ := w.CreateFormFile("file", "x.bin")
		_, _ = fw.Write([]byte{0, 1, 2, 0xff}) // file bytes are not text
		_ = w.Close()
		if status, body := post(t, "/t/echo/a/", w.FormDataContentType(), b.String()); status != http.StatusBadRequest || !strings.Contains(body, `"title"`) {
			t.Fatalf("status %d %s", status, body)
		}
	})
	t.Run("the handler reads the body after the check", func(t *testing.T) {
		got = ""
		if status, _ := post(t, "/t/echo/a/", "application/json", `{"title":"kept"}`); status != http.StatusNoContent || got != `{"title":"kept"}` {
			t.Fatalf("status %d, handler read %q", status, got)
		}
		got = ""
		if status, _ := post(t, "/t/body/", "application/json", `{"a":1}`); status != http.StatusNoContent || got != `{"a":1}|{"a":1}|{"a":1}` {
			t.Fatalf("Body of a checked JSON body: status %d, handler read %q", status, got)
		}
		got = ""
		if status, _ := post(t, "/t/body/", "text/plain", "plain"); status != http.StatusNoContent || got != "plain||" {
			t.Fatalf("Body of an unchecked body: status %d, handler read %q", status, got)
		}
		got = ""
		form := url.Values{"title": {"kept too"}}.Encode()
		if status, _ := post(t, "/t/echo/a/", "application/x-www-form-urlencoded", form); status != http.StatusNoContent || got != "kept too" {
			t.Fatalf("status %d, handler read %q", status, got)
		}
	})
}

func quote(s string) string {
	b := strings.Builder{}
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x20 {
			b.WriteString(`\u00`)
			b.WriteString("0123456789abcdef"[r>>4 : r>>4+1])
			b.WriteString("0123456789abcdef"[r&15 : r&15+1])
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
