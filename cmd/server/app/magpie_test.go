package app_test

import (
	"context"
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
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

// 003's account resource: app user creation by e-mail, SHA1-digest login
// opening a session, ApiKey and session authentication, tastypie envelope.
func TestMagpieAppLoginAndAPIKey(t *testing.T) {
	t.Parallel()
	const secret = "magpie-app-secret-for-tests"
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.Magpie.AppSecret = secret }))
	c := newClient(s)
	email := "magpie_user_" + randomHex(5) + "@gmail.com"
	create := func(salt, email, verify string) reply {
		return c.do(t, "POST", "/api/lastest/auth/user/", "", map[string]any{"salt_id": salt, "email_of_google_play": email, "app_key_verify": verify})
	}
	salt := "1700000000-" + randomHex(4)
	r := create(salt, email, identitycmd.SHA1Hex(secret+salt+email))
	key, _ := r.body["api_key"].(map[string]any)
	if r.status != 201 || key == nil || len(key["key"].(string)) != 40 || r.body["username"] != email[:30] ||
		r.body["resource_uri"] != fmt.Sprintf("/api/lastest/auth/user/%.0f/", r.body["id"]) || r.body["email"] != email {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id := fmt.Sprintf("%.0f", r.body["id"])
	apiKey := key["key"].(string)
	username := r.body["username"].(string)
	if r := create(salt, email, identitycmd.SHA1Hex(secret+salt+email)); r.status != 401 {
		t.Errorf("replayed salt: %d %s", r.status, r.raw)
	}
	salt2 := "1700000001-" + randomHex(4)
	again := create(salt2, email, identitycmd.SHA1Hex(secret+salt2+email))
	if again.status != 200 || fmt.Sprint(again.body["id"]) != fmt.Sprint(r.body["id"]) || again.body["api_key"].(map[string]any)["key"] != apiKey {
		t.Errorf("existing user: %d %s", again.status, again.raw)
	}
	salt3 := "1700000002-" + randomHex(4)
	if r := create(salt3, email, identitycmd.SHA1Hex("wrong"+salt3+email)); r.status != 401 {
		t.Errorf("forged app digest: %d %s", r.status, r.raw)
	}
	for _, bad := range []string{"<script>alert(1)</script>@x.com", "a'; DROP TABLE users;--@x.com"} {
		salt := "1700000003-" + randomHex(4)
		if r := create(salt, bad, identitycmd.SHA1Hex(secret+salt+bad)); r.status != 400 || r.body["email_of_google_play"] == nil {
			t.Errorf("email %q: %d %s", bad, r.status, r.raw)
		}
	}
	if r := create("short", email, "x"); r.status != 400 || r.body["salt_id"] == nil {
		t.Errorf("bad salt: %d %s", r.status, r.raw)
	}

	// ApiKey authentication and the tastypie envelope.
	list := c.do(t, "GET", "/api/lastest/auth/user/", "ApiKey "+username+":"+apiKey, nil)
	meta, _ := list.body["meta"].(map[string]any)
	objects, _ := list.body["objects"].([]any)
	if list.status != 200 || meta["total_count"] != 1.0 || meta["next"] != nil || len(objects) != 1 || objects[0].(map[string]any)["username"] != username {
		t.Fatalf("list with ApiKey: %d %s", list.status, list.raw)
	}
	for name, auth := range map[string]string{"wrong key": "ApiKey " + username + ":" + strings.Repeat("0", 40), "no key": "ApiKey " + username, "none": ""} {
		if r := c.do(t, "GET", "/api/lastest/auth/user/", auth, nil); r.status != 401 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	other := s.NewUser(t)
	if r := c.do(t, "GET", fmt.Sprintf("/api/lastest/auth/user/%.0f/", other.ID), "ApiKey "+username+":"+apiKey, nil); r.status != 401 {
		t.Errorf("another user's detail: %d %s", r.status, r.raw)
	}
	if r := c.do(t, "GET", "/api/lastest/auth/user/"+id+"/", "ApiKey "+username+":"+apiKey, nil); r.status != 200 || r.body["id"] == nil {
		t.Errorf("own detail: %d %s", r.status, r.raw)
	}

	// SHA1-digest login opens a session.
	login := func(salt, verify string) reply {
		q := url.Values{"api_key_id": {id}, "salt_id": {salt}, "api_key_verify": {verify}}
		return c.do(t, "GET", "/api/lastest/auth/user/?"+q.Encode(), "", nil)
	}
	lsalt := "1700000100-" + randomHex(4)
	lr := login(lsalt, identitycmd.SHA1Hex(apiKey+lsalt))
	if lr.status != 200 || !strings.Contains(strings.Join(lr.header.Values("Set-Cookie"), ";"), "sessionid=") ||
		!strings.Contains(strings.Join(lr.header.Values("Set-Cookie"), ";"), "csrftoken=") {
		t.Fatalf("digest login: %d %s %v", lr.status, lr.raw, lr.header.Values("Set-Cookie"))
	}
	if obj := lr.body["objects"].([]any)[0].(map[string]any); obj["last_login"] == nil {
		t.Errorf("last_login not set: %s", lr.raw)
	}
	if r := login(lsalt, identitycmd.SHA1Hex(apiKey+lsalt)); r.status != 401 {
		t.Errorf("replayed login: %d %s", r.status, r.raw)
	}
	fsalt := "1700000101-" + randomHex(4)
	if r := login(fsalt, identitycmd.SHA1Hex(strings.Repeat("f", 40)+fsalt)); r.status != 401 {
		t.Errorf("forged digest: %d %s", r.status, r.raw)
	}
	var session *http.Cookie
	for _, ck := range c.cookies {
		if ck.Name == "sessionid" {
			session = ck
		}
	}
	sc := newClient(s)
	sc.cookies = []*http.Cookie{session}
	if r := sc.do(t, "GET", "/api/lastest/auth/user/", "", nil); r.status != 200 || r.body["objects"].([]any)[0].(map[string]any)["username"] != username {
		t.Errorf("session auth: %d %s", r.status, r.raw)
	}

	// CSRF: a state-changing request authenticated by the session must
	// carry the csrftoken cookie's value in X-CSRFToken (Django's double
	// submit); ApiKey requests are exempt.
	csrf := c.cookie(magpie.CSRFCookie)
	if csrf == nil || csrf.HttpOnly {
		t.Fatalf("csrftoken cookie: %+v", csrf)
	}
	createAs := func(cl *client, auth string) reply {
		salt := "1700000200-" + randomHex(4)
		return cl.do(t, "POST", "/api/lastest/auth/user/", auth, map[string]any{"salt_id": salt, "email_of_google_play": email,
			"app_key_verify": identitycmd.SHA1Hex(secret + salt + email)})
	}
	if sc.cookie(magpie.CSRFCookie) == nil {
		t.Error("the session's first read got no csrftoken cookie")
	}
	sc.cookies = []*http.Cookie{session}
	if r := createAs(sc, ""); r.status != 403 || r.body["reason"] != "CSRF cookie not set." {
		t.Errorf("session POST without csrftoken: %d %s", r.status, r.raw)
	}
	sc.cookies = []*http.Cookie{session, csrf}
	if r := createAs(sc, ""); r.status != 403 || r.body["reason"] != "CSRF token missing." {
		t.Errorf("session POST without X-CSRFToken: %d %s", r.status, r.raw)
	}
	sc.headers = map[string]string{magpie.CSRFHeader: strings.Repeat("0", 32)}
	if r := createAs(sc, ""); r.status != 403 || r.body["reason"] != "CSRF token incorrect." {
		t.Errorf("session POST with another token: %d %s", r.status, r.raw)
	}
	sc.headers = map[string]string{magpie.CSRFHeader: csrf.Value, "Origin": "https://evil.example"}
	if r := createAs(sc, ""); r.status != 403 {
		t.Errorf("session POST from another origin: %d %s", r.status, r.raw)
	}
	sc.headers = map[string]string{magpie.CSRFHeader: csrf.Value, "X-Forwarded-Proto": "https"}
	if r := createAs(sc, ""); r.status != 403 || r.body["reason"] != "Referer checking failed - no Referer." {
		t.Errorf("HTTPS session POST without Referer: %d %s", r.status, r.raw)
	}
	sc.headers = map[string]string{magpie.CSRFHeader: csrf.Value}
	if r := createAs(sc, ""); r.status != 200 {
		t.Errorf("session POST with the token: %d %s", r.status, r.raw)
	}
	sc.headers = nil
	if r := createAs(sc, "ApiKey "+username+":"+apiKey); r.status != 200 {
		t.Errorf("ApiKey POST (session cookie too, no token): %d %s", r.status, r.raw)
	}
	if r := sc.do(t, "GET", "/api/lastest/auth/user/", "", nil); r.status != 200 {
		t.Errorf("session GET without a token: %d %s", r.status, r.raw)
	}

	uid, _ := identity.ParseUserID(id)
	recs, _ := s.App.Store().ReadStream(context.Background(), identity.UserStream(uid), eventlog.ReadStreamOptions{})
	var methods []string
	for _, rec := range recs {
		if rec.Type == identity.EventUserLoggedIn {
			var e identity.UserLoggedIn
			_ = jsonUnmarshal(rec.Data, &e)
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
