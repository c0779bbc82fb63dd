package httpapi_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// TestRouteBodyLimit: a Router's routes read at most DefaultRouteBodyLimit
// unless a route asks for more; a body over the limit is refused naming
// "body" whether it declares its length or streams it (JSON or a form), and
// the handler never runs.
func TestRouteBodyLimit(t *testing.T) {
	t.Parallel()
	ran := 0
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.DiscardHandler), routesFunc(func(e *echo.Echo) {
		r := httpapi.NewRouter(e, "/t", func(c echo.Context, err error) error {
			f, ok := fault.As(err)
			if !ok {
				return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()})
			}
			return c.JSON(http.StatusBadRequest, map[string]string{"field": f.Field})
		})
		read := func(c echo.Context) error {
			ran++
			if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
				return err
			}
			return c.NoContent(http.StatusNoContent)
		}
		r.POST("/small/", read)
		r.WithBodyLimit(4*httpapi.DefaultRouteBodyLimit).POST("/upload/", read)
	}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	jsonOf := func(n int) []byte { return []byte(`{"title":"` + strings.Repeat("a", n) + `"}`) }
	formOf := func(n int) ([]byte, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", "f.bin")
		_, _ = fw.Write(bytes.Repeat([]byte{'x'}, n))
		_ = w.Close()
		return b.Bytes(), w.FormDataContentType()
	}
	over := httpapi.DefaultRouteBodyLimit + 1
	big, bigCT := formOf(over)
	for _, tc := range []struct {
		name, path, ct string
		body           []byte
		chunked        bool
		field          string // "" when accepted
	}{
		{"JSON under the default", "/t/small/", "application/json", jsonOf(1000), false, ""},
		{"JSON over the default, declared", "/t/small/", "application/json", jsonOf(over), false, "body"},
		{"JSON over the default, streamed", "/t/small/", "application/json", jsonOf(over), true, "body"},
		{"a form over the default, streamed", "/t/small/", bigCT, big, true, "body"},
		{"a form over the default on an upload route", "/t/upload/", bigCT, big, true, ""},
		{"JSON over the upload route's limit", "/t/upload/", "application/json", jsonOf(4 * over), false, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ran
			var body io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.path, body)
			req.Header.Set("Content-Type", tc.ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if tc.field == "" {
				if resp.StatusCode != http.StatusNoContent {
					t.Fatalf("status %d %s", resp.StatusCode, got)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(got), `"field":"body"`) {
				t.Fatalf("status %d %s, want 400 naming body", resp.StatusCode, got)
			}
			if ran != before {
				t.Fatal("the handler ran on a body over the limit")
			}
		})
	}
}
