package magpie_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
)

// 003's account resource: app user creation by e-mail, SHA1-digest login
// opening a session, ApiKey and session authentication, tastypie envelope.
func TestMagpieAppLoginAndAPIKey(t *testing.T) {
	t.Parallel()
	const secret = "magpie-app-secret-for-tests"
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.Magpie.AppSecret = secret }))
	c := apptest.NewClient(s)
	email := "magpie_user_" + apptest.RandomHex(5) + "@gmail.com"
	create := func(salt, email, verify string) apptest.Reply {
		return c.Do(t, "POST", "/api/lastest/auth/user/", "", map[string]any{"salt_id": salt, "email_of_google_play": email, "app_key_verify": verify})
	}
	salt := "1700000000-" + apptest.RandomHex(4)
	r := create(salt, email, identitycmd.SHA1Hex(secret+salt+email))
	key, _ := r.Body["api_key"].(map[string]any)
	if r.Status != 201 || key == nil || len(key["key"].(string)) != 40 || r.Body["username"] != email[:30] ||
		r.Body["resource_uri"] != fmt.Sprintf("/api/lastest/auth/user/%.0f/", r.Body["id"]) || r.Body["email"] != email {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id := fmt.Sprintf("%.0f", r.Body["id"])
	apiKey := key["key"].(string)
	username := r.Body["username"].(string)
	if r := create(salt, email, identitycmd.SHA1Hex(secret+salt+email)); r.Status != 401 {
		t.Errorf("replayed salt: %d %s", r.Status, r.Raw)
	}
	salt2 := "1700000001-" + apptest.RandomHex(4)
	again := create(salt2, email, identitycmd.SHA1Hex(secret+salt2+email))
	if again.Status != 200 || fmt.Sprint(again.Body["id"]) != fmt.Sprint(r.Body["id"]) || again.Body["api_key"].(map[string]any)["key"] != apiKey {
		t.Errorf("existing user: %d %s", again.Status, again.Raw)
	}
	salt3 := "1700000002-" + apptest.RandomHex(4)
	if r := create(salt3, email, identitycmd.SHA1Hex("wrong"+salt3+email)); r.Status != 401 {
		t.Errorf("forged app digest: %d %s", r.Status, r.Raw)
	}
	for _, bad := range []string{"<script>alert(1)</script>@x.com", "a'; DROP TABLE users;--@x.com"} {
		salt := "1700000003-" + apptest.RandomHex(4)
		if r := create(salt, bad, identitycmd.SHA1Hex(secret+salt+bad)); r.Status != 400 || r.Body["email_of_google_play"] == nil {
			t.Errorf("email %q: %d %s", bad, r.Status, r.Raw)
		}
	}
	if r := create("short", email, "x"); r.Status != 400 || r.Body["salt_id"] == nil {
		t.Errorf("bad salt: %d %s", r.Status, r.Raw)
	}

	// ApiKey authentication and the tastypie envelope.
	list := c.Do(t, "GET", "/api/lastest/auth/user/", "ApiKey "+username+":"+apiKey, nil)
	meta, _ := list.Body["meta"].(map[string]any)
	objects, _ := list.Body["objects"].([]any)
	if list.Status != 200 || meta["total_count"] != 1.0 || meta["next"] != nil || len(objects) != 1 || objects[0].(map[string]any)["username"] != username {
		t.Fatalf("list with ApiKey: %d %s", list.Status, list.Raw)
	}
	for name, auth := range map[string]string{"wrong key": "ApiKey " + username + ":" + strings.Repeat("0", 40), "no key": "ApiKey " + username, "none": ""} {
		if r := c.Do(t, "GET", "/api/lastest/auth/user/", auth, nil); r.Status != 401 {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
	other := s.NewUser(t)
	if r := c.Do(t, "GET", fmt.Sprintf("/api/lastest/auth/user/%.0f/", other.ID), "ApiKey "+username+":"+apiKey, nil); r.Status != 401 {
		t.Errorf("another user's detail: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "GET", "/api/lastest/auth/user/"+id+"/", "ApiKey "+username+":"+apiKey, nil); r.Status != 200 || r.Body["id"] == nil {
		t.Errorf("own detail: %d %s", r.Status, r.Raw)
	}

	// SHA1-digest login opens a session.
	login := func(salt, verify string) apptest.Reply {
		q := url.Values{"api_key_id": {id}, "salt_id": {salt}, "api_key_verify": {verify}}
		return c.Do(t, "GET", "/api/lastest/auth/user/?"+q.Encode(), "", nil)
	}
	lsalt := "1700000100-" + apptest.RandomHex(4)
	lr := login(lsalt, identitycmd.SHA1Hex(apiKey+lsalt))
	if lr.Status != 200 || !strings.Contains(strings.Join(lr.Header.Values("Set-Cookie"), ";"), "sessionid=") ||
		!strings.Contains(strings.Join(lr.Header.Values("Set-Cookie"), ";"), "csrftoken=") {
		t.Fatalf("digest login: %d %s %v", lr.Status, lr.Raw, lr.Header.Values("Set-Cookie"))
	}
	if obj := lr.Body["objects"].([]any)[0].(map[string]any); obj["last_login"] == nil {
		t.Errorf("last_login not set: %s", lr.Raw)
	}
	if r := login(lsalt, identitycmd.SHA1Hex(apiKey+lsalt)); r.Status != 401 {
		t.Errorf("replayed login: %d %s", r.Status, r.Raw)
	}
	fsalt := "1700000101-" + apptest.RandomHex(4)
	if r := login(fsalt, identitycmd.SHA1Hex(strings.Repeat("f", 40)+fsalt)); r.Status != 401 {
		t.Errorf("forged digest: %d %s", r.Status, r.Raw)
	}
	var session *http.Cookie
	for _, ck := range c.Cookies {
		if ck.Name == "sessionid" {
			session = ck
		}
	}
	sc := apptest.NewClient(s)
	sc.Cookies = []*http.Cookie{session}
	if r := sc.Do(t, "GET", "/api/lastest/auth/user/", "", nil); r.Status != 200 || r.Body["objects"].([]any)[0].(map[string]any)["username"] != username {
		t.Errorf("session auth: %d %s", r.Status, r.Raw)
	}

	// CSRF: a state-changing request authenticated by the session must
	// carry the csrftoken cookie's value in X-CSRFToken (Django's double
	// submit); ApiKey requests are exempt.
	csrf := c.Cookie(httpapi.CSRFCookie)
	if csrf == nil || csrf.HttpOnly {
		t.Fatalf("csrftoken cookie: %+v", csrf)
	}
	createAs := func(cl *apptest.Client, auth string) apptest.Reply {
		salt := "1700000200-" + apptest.RandomHex(4)
		return cl.Do(t, "POST", "/api/lastest/auth/user/", auth, map[string]any{"salt_id": salt, "email_of_google_play": email,
			"app_key_verify": identitycmd.SHA1Hex(secret + salt + email)})
	}
	if sc.Cookie(httpapi.CSRFCookie) == nil {
		t.Error("the session's first read got no csrftoken cookie")
	}
	sc.Cookies = []*http.Cookie{session}
	if r := createAs(sc, ""); r.Status != 403 || r.Body["reason"] != "CSRF cookie not set." {
		t.Errorf("session POST without csrftoken: %d %s", r.Status, r.Raw)
	}
	sc.Cookies = []*http.Cookie{session, csrf}
	if r := createAs(sc, ""); r.Status != 403 || r.Body["reason"] != "CSRF token missing." {
		t.Errorf("session POST without X-CSRFToken: %d %s", r.Status, r.Raw)
	}
	sc.Headers = map[string]string{httpapi.CSRFHeader: strings.Repeat("0", 32)}
	if r := createAs(sc, ""); r.Status != 403 || r.Body["reason"] != "CSRF token incorrect." {
		t.Errorf("session POST with another token: %d %s", r.Status, r.Raw)
	}
	sc.Headers = map[string]string{httpapi.CSRFHeader: csrf.Value, "Origin": "https://evil.example"}
	if r := createAs(sc, ""); r.Status != 403 {
		t.Errorf("session POST from another origin: %d %s", r.Status, r.Raw)
	}
	sc.Headers = map[string]string{httpapi.CSRFHeader: csrf.Value, "X-Forwarded-Proto": "https"}
	if r := createAs(sc, ""); r.Status != 403 || r.Body["reason"] != "Referer checking failed - no Referer." {
		t.Errorf("HTTPS session POST without Referer: %d %s", r.Status, r.Raw)
	}
	sc.Headers = map[string]string{httpapi.CSRFHeader: csrf.Value}
	if r := createAs(sc, ""); r.Status != 200 {
		t.Errorf("session POST with the token: %d %s", r.Status, r.Raw)
	}
	sc.Headers = nil
	if r := createAs(sc, "ApiKey "+username+":"+apiKey); r.Status != 200 {
		t.Errorf("ApiKey POST (session cookie too, no token): %d %s", r.Status, r.Raw)
	}
	if r := sc.Do(t, "GET", "/api/lastest/auth/user/", "", nil); r.Status != 200 {
		t.Errorf("session GET without a token: %d %s", r.Status, r.Raw)
	}

	uid, _ := identity.ParseUserID(id)
	recs, _ := s.App.Store().ReadStream(context.Background(), identity.UserStream(uid), eventlog.ReadStreamOptions{})
	var methods []string
	for _, rec := range recs {
		if rec.Type == identity.EventUserLoggedIn {
			var e identity.UserLoggedIn
			_ = json.Unmarshal(rec.Data, &e)
			methods = append(methods, e.Method)
		}
		if strings.Contains(string(rec.Data), apiKey) {
			t.Error("API key in the log")
		}
	}
	if strings.Join(methods, ",") != identity.LoginAppDigest {
		t.Errorf("logins recorded: %v", methods)
	}
}
