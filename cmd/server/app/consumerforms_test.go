package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// TestConsumersSeeNoSecrets runs accounts through the APIs (registration
// with a password, a 001 token, a verification code, a login from a known
// client) and reads the whole log as an analytics consumer does (GET
// /events/stream): no password, hash, sealed value, address, digest, token
// or client detail reaches it, in a payload, in metadata or in a stream id.
func TestConsumersSeeNoSecrets(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	const agent = "SecretAgent/7.3 (consumer-form test)"
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	email := fmt.Sprintf("form%s@example.com", hex.EncodeToString(b))
	password := "pw-Consumer-Form-1"
	do := func(method, path, auth string, body any) apptest.Response {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", agent)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b.Bytes()}
	}
	username := strings.TrimSuffix(email, "@example.com")
	if r := do("POST", "/api/v1/auth/register/", "", map[string]string{"username": username, "email": email,
		"password": password, "password_confirm": password}); r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	r := do("POST", "/auth/get-token/", "", map[string]string{"username": username, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("get-token: %d %s", r.Status, r.Body)
	}
	var tok struct{ Token string }
	r.JSON(t, &tok)
	if r := do("POST", "/api/v1/auth/send_verification_code/", "", map[string]string{"email": email, "type": "reset_password"}); r.Status != http.StatusOK {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}

	events := consumerEvents(t, s)
	secrets := map[string]string{
		"the password": password, "a password hash": "$argon2", "a sealed value": "pd1:", "the address": email,
		"the address's digest": identity.EmailDigest(email), "the 001 token": tok.Token, "the user agent": agent,
		"the client address": "127.0.0.1",
	}
	for _, ev := range events {
		raw, err := json.Marshal(ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		for what, secret := range secrets {
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s (%s) carries %s: %s", ev.Data.Type, ev.Data.Stream, what, raw)
			}
		}
		var doc map[string]any
		_ = json.Unmarshal(ev.Data.Data, &doc)
		var meta map[string]any
		_ = json.Unmarshal(ev.Data.Metadata, &meta)
		for _, m := range []map[string]any{doc, meta} {
			for k := range m {
				if eventlog.HiddenFromConsumers(k) {
					t.Errorf("%s carries the hidden key %q", ev.Data.Type, k)
				}
			}
		}
	}
}

// consumerEvents reads the whole log as an analytics consumer does (GET
// /events/stream, as an admin).
func consumerEvents(t *testing.T, s *apptest.Server) []sseEvent {
	t.Helper()
	n := 0
	after := eventlog.Start
	for {
		page, err := s.App.Store().ReadAll(context.Background(), eventlog.ReadAllOptions{After: after, Max: 500})
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].Position
	}
	events, status := readSSE(t, s, "", http.Header{"Authorization": {s.AdminBearer(t)}}, n)
	if status != http.StatusOK {
		t.Fatalf("stream: %d", status)
	}
	return events
}

// consumerLog is consumerEvents as one text.
func consumerLog(t *testing.T, s *apptest.Server) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range consumerEvents(t, s) {
		raw, err := json.Marshal(ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(raw)
		b.WriteByte('\n')
	}
	return b.String()
}
