package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/labstack/echo/v4"
)

// FuzzCheckJSON: no body makes the text check panic, and a JSON document it
// accepts holds no text a read model cannot store, in any string or key.
func FuzzCheckJSON(f *testing.F) {
	for _, seed := range []string{
		`{"title":"ok"}`, `{"a":{"b":["x",{"c":"\u0000"}]}}`, "{\"t\":\"\xff\"}", `[1,"\u0007",{"k\u0000":1}]`,
		`"\u0085"`, `{"b":"\b\\b\\u0000"}`, "{\"c1\":\"\u0085\"}", `{"n":1e400}`, `{"a":`, `{}{}`, `{"long":"` + string(make([]byte, 100)) + `"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := checkJSON(body); err != nil {
			return
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return // not JSON: the handler answers the parse error
		}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if badText(v) {
					t.Fatalf("accepted %q with the text %q", body, v)
				}
			case map[string]any:
				for k, x := range v {
					if badText(k) {
						t.Fatalf("accepted %q with the key %q", body, k)
					}
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(v)
	})
}

// FuzzCheckTextMultipart: no multipart body (whatever its boundary or its
// parts) makes the text check panic or leave the request unreadable.
func FuzzCheckTextMultipart(f *testing.F) {
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhi\r\n--b--\r\n")
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n\x00\xff\r\n--b--\r\n")
	f.Add("b", "--b\r\nContent-Disposition: form-data; name=\"t\x00\"\r\n\r\n\x00\r\n--b--\r\n")
	f.Add("", "--\r\n")
	f.Fuzz(func(t *testing.T, boundary, body string) {
		req := httptest.NewRequest(http.MethodPost, "/x?q=1", strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, "multipart/form-data; boundary="+boundary)
		c := echo.New().NewContext(req, httptest.NewRecorder())
		if err := CheckText(c); err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("not a fault: %v", err)
			}
		}
	})
}
