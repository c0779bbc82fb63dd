package accounthttp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
)

// 001's /current-user/ and /current-user/meta/ with the sliding Token, and
// the erasure of the address book's personal data.
func TestHHUCurrentUserAndMeta(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	u := s.NewUser(t)
	tok := s.Do(t, "POST", "/auth/get-token/", "", map[string]any{"username": u.Username, "password": u.Password})
	if tok.Status != 200 {
		t.Fatalf("get-token: %d %s", tok.Status, tok.Body)
	}
	auth := "Token " + tok.Map(t)["token"].(string)
	t.Run("the current user", func(t *testing.T) {
		me := s.Do(t, "GET", "/current-user/", auth, nil)
		if me.Status != 200 || me.Map(t)["username"] != u.Username || me.Map(t)["email"] != u.Username+"@example.com" || me.Map(t)["wechat_bound"] != false {
			t.Fatalf("current-user: %d %s", me.Status, me.Body)
		}
	})
	t.Run("a new user's entry is empty", func(t *testing.T) {
		if r := s.Do(t, "GET", "/current-user/meta/", auth, nil); r.Status != 200 || r.Map(t)["phone"] != "" || r.Map(t)["user"] != u.ID {
			t.Fatalf("empty meta: %d %s", r.Status, r.Body)
		}
	})
	t.Run("PUT and PATCH store the entry", func(t *testing.T) {
		put := s.Do(t, "PUT", "/current-user/meta/", auth, map[string]any{"name": "张三 <b>", "position": "教授", "department": "计信院",
			"qq": "12345", "phone": "025-8378 7000", "mobile": "+86 13800000000"})
		if put.Status != 200 || put.Map(t)["name"] != "张三 <b>" || put.Map(t)["mobile"] != "+86 13800000000" {
			t.Fatalf("put meta: %d %s", put.Status, put.Body)
		}
		patch := s.Do(t, "PATCH", "/current-user/meta/", auth, map[string]any{"position": "副教授"})
		if patch.Status != 200 || patch.Map(t)["position"] != "副教授" || patch.Map(t)["phone"] != "025-8378 7000" {
			t.Fatalf("patch meta: %d %s", patch.Status, patch.Body)
		}
	})
	t.Run("bad entries are 400 naming the field", func(t *testing.T) {
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"mobile": "1380'; DROP TABLE users;--"}, "mobile"},
			{map[string]any{"qq": "<script>"}, "qq"},
			{map[string]any{"name": strings.Repeat("名", 65)}, "name"},
			{map[string]any{"phone": []int{1}}, "phone"},
		} {
			if r := s.Do(t, "PATCH", "/current-user/meta/", auth, tc.body); r.Status != 400 || r.Map(t)[tc.field] == nil {
				t.Errorf("patch %v: %d %s", tc.body, r.Status, r.Body)
			}
		}
	})
	t.Run("without a valid credential: 401", func(t *testing.T) {
		for name, a := range map[string]string{"none": "", "bad token": "Token 0123456789abcdef0123456789abcdef01234567", "bearer garbage": "Bearer x"} {
			if r := s.Do(t, "GET", "/current-user/meta/", a, nil); r.Status != 401 {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
	})
	t.Run("another user sees their own entry", func(t *testing.T) {
		// Another user sees their own (empty) entry, never this one.
		v := s.NewUser(t)
		if r := s.Do(t, "GET", "/current-user/meta/", v.Bearer, nil); r.Status != 200 || r.Map(t)["mobile"] != "" || r.Map(t)["user"] != v.ID {
			t.Errorf("other user's meta: %d %s", r.Status, r.Body)
		}
	})
	t.Run("the entry is sealed in the log and erasable", func(t *testing.T) {
		// The numbers are not in the log in clear; erasing the user's key makes
		// them unreadable.
		ctx := context.Background()
		recs, err := s.App.Store().ReadStream(ctx, identity.UserStream(int64(u.ID)), eventlog.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, r := range recs {
			if strings.Contains(string(r.Data), "13800000000") || strings.Contains(string(r.Data), "教授") {
				t.Errorf("personal data in the log: %s", r.Data)
			}
			if r.Type == identity.EventContactInfoUpdated {
				refs = append(refs, string(r.Data))
			}
		}
		if len(refs) != 2 {
			t.Fatalf("%d ContactInfoUpdated events", len(refs))
		}
		if err := s.App.Vault().Erase(ctx, identity.UserDataSubject(int64(u.ID))); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Type != identity.EventContactInfoUpdated {
				continue
			}
			var e identity.ContactInfoUpdated
			if err := json.Unmarshal(r.Data, &e); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Vault().Open(ctx, identity.UserDataSubject(int64(u.ID)), e.DataRef); err == nil {
				t.Error("sealed entry still opens after erasure")
			}
		}
	})
}
