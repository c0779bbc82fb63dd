package ralendar_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

func TestSyncUserInfo(t *testing.T) {
	t.Parallel()
	const key = "sync-key-0123456789abcdef"
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.Ralendar.SyncAPIKey = key }))
	u := s.NewUser(t)
	post := func(k string, body any) apptest.Response {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.URL+"/api/sync/user-info/", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		if k != "" {
			req.Header.Set("X-API-Key", k)
		}
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(resp.Body)
		return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: out.Bytes()}
	}
	newName := u.Username + "x"
	body := map[string]any{"user_id": int64(u.ID), "source": "roamio", "data": map[string]any{"username": newName, "email": newName + "@example.com", "avatar": "https://a/b.png"}}
	t.Run("needs the system key", func(t *testing.T) {
		post("", body).Want(t, "no key", http.StatusForbidden)
		post("wrong-key-0123456789", body).Want(t, "wrong key", http.StatusForbidden)
		s.Do(t, "POST", "/api/sync/user-info/", u.Bearer, body).Want(t, "a user's token", http.StatusForbidden)
	})
	t.Run("syncs the name and address", func(t *testing.T) {
		r := post(key, body).Want(t, "sync", http.StatusOK).Map(t)
		if r["success"] != true || len(r["synced_fields"].([]any)) != 2 {
			t.Fatalf("sync: %v", r)
		}
		me := s.Do(t, "GET", "/api/auth/me/", s.Login(t, newName, u.Password), nil).Want(t, "me", http.StatusOK).Map(t)
		if me["username"] != newName || me["email"] != newName+"@example.com" {
			t.Fatalf("me: %v", me)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		post(key, map[string]any{"user_id": 999999, "source": "roamio", "data": map[string]any{}}).Want(t, "unknown user", http.StatusNotFound)
		post(key, map[string]any{"user_id": "x", "source": "roamio", "data": map[string]any{}}).WantField(t, "bad id", "user_id")
		post(key, map[string]any{"user_id": 1, "source": "other", "data": map[string]any{}}).WantField(t, "bad source", "source")
		post(key, map[string]any{"user_id": 1, "source": "roamio", "data": "x"}).WantField(t, "bad data", "data")
	})
}
