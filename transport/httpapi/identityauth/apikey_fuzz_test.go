package identityauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// accounts is a fixed set of 003 accounts by username: the fuzz target's
// only account holds fuzzKey's digest.
type accounts map[string]identityq.User

func (a accounts) UserByUsername(_ context.Context, q identityq.UserByUsername) (identityq.User, error) {
	if u, ok := a[q.Username]; ok {
		return u, nil
	}
	return identityq.User{}, identityq.ErrNotFound
}

const fuzzKey = "0123456789abcdef0123456789abcdef01234567"

// FuzzAPIKeyHeader feeds arbitrary Authorization headers through the
// authentication middleware with 003's ApiKey verifier (the digest the app
// proves its key with): it never panics, and it accepts exactly one
// credential, "ApiKey alice:<alice's key>" (scheme case-insensitive, outer
// spaces trimmed), as alice; everything else leaves the request without a
// principal.
func FuzzAPIKeyHeader(f *testing.F) {
	for _, s := range []string{
		"ApiKey alice:" + fuzzKey, "apikey alice:" + fuzzKey, "ApiKey alice:" + strings.ToUpper(fuzzKey),
		"ApiKey alice", "ApiKey :" + fuzzKey, "ApiKey alice:" + fuzzKey + "0", "ApiKey alice:\x00" + fuzzKey[1:],
		"Bearer x", "ApiKey  alice:" + fuzzKey, "ApiKey alice:alice:" + fuzzKey, "\xff\xfe", "",
	} {
		f.Add(s)
	}
	users := accounts{"alice": {ID: 7, Username: "alice", IsActive: true, APIKeyHash: identitycmd.HashAPIKey(fuzzKey)}}
	mw := authn.Middleware([]authn.Verifier{identityauth.NewAPIKey(users)})
	e := echo.New()
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, "/api/lastest/auth/user/", nil)
		req.Header["Authorization"] = []string{header}
		c := e.NewContext(req, httptest.NewRecorder())
		var got authn.Principal
		var ok bool
		if err := mw(func(c echo.Context) error { got, ok = authn.From(c); return nil })(c); err != nil {
			t.Fatalf("middleware returned %v", err)
		}
		scheme, cred, _ := strings.Cut(strings.TrimSpace(header), " ")
		want := strings.EqualFold(scheme, "apikey") && strings.TrimSpace(cred) == "alice:"+fuzzKey
		if ok != want {
			t.Fatalf("header %q: authenticated=%v, want %v", header, ok, want)
		}
		if ok && got.UserID != strconv.Itoa(7) {
			t.Fatalf("header %q: principal %q, want user 7", header, got.UserID)
		}
	})
}
