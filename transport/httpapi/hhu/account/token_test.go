package accounthttp_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	accounthttp "github.com/fiveapis/backend/transport/httpapi/hhu/account"
)

// fakeIdentity grants ann's token; every other login is refused.
type fakeIdentity struct{}

func (fakeIdentity) GetAPIToken(_ context.Context, cmd identitycmd.GetAPIToken) (identitycmd.APITokenGranted, error) {
	if cmd.Username == "ann" && cmd.Password == "secret pw" {
		return identitycmd.APITokenGranted{Key: strings.Repeat("k", 40)}, nil
	}
	return identitycmd.APITokenGranted{}, identity.ErrBadCredentials
}

type clock struct{}

func (clock) Now() time.Time { return time.Now() }

func TestGetToken(t *testing.T) {
	t.Parallel()
	e := httpapi.NewEcho(httpapi.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		accounthttp.New(accounthttp.Deps{Identity: fakeIdentity{}, Clock: clock{}}))
	srv := httptest.NewServer(e)
	defer srv.Close()
	form := url.Values{"username": {"ann"}, "password": {"secret pw"}}.Encode()
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		want              string
	}{
		{"json", "application/json", `{"username":"ann","password":"secret pw"}`, 200, `{"token":"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"}`},
		{"form", "application/x-www-form-urlencoded", form, 200, `{"token":"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"}`},
		{"wrong password", "application/json", `{"username":"ann","password":"nope"}`, 400, `{"non_field_errors":["Unable to log in with provided credentials."]}`},
		{"missing", "application/json", `{}`, 400, `{"password":["This field is required."],"username":["This field is required."]}`},
		{"wrong type", "application/json", `{"username":["ann"],"password":"x"}`, 400, `{"username":["Not a valid string."]}`},
		{"malformed", "application/json", `{"username":`, 400, `{"detail":"JSON parse error - Unexpected end of the JSON document"}`},
		{"unsupported", "text/plain", `username=ann`, 415, `{"detail":"Unsupported media type \"text/plain\" in request."}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Post(srv.URL+"/auth/get-token/", tc.ctype, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("not JSON: %s", b)
			}
			if res.StatusCode != tc.status {
				t.Errorf("status %d %s", res.StatusCode, b)
			}
			if diff := cmp.Diff(tc.want, strings.TrimSpace(string(b))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
