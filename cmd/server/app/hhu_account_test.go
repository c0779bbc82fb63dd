package app_test

import (
	"context"
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
	c := newClient(s)
	tok := c.do(t, "POST", "/auth/get-token/", "", map[string]any{"username": u.Username, "password": u.Password})
	if tok.status != 200 {
		t.Fatalf("get-token: %d %s", tok.status, tok.raw)
	}
	auth := "Token " + tok.body["token"].(string)
	me := c.do(t, "GET", "/current-user/", auth, nil)
	if me.status != 200 || me.body["username"] != u.Username || me.body["email"] != u.Username+"@example.com" || me.body["wechat_bound"] != false {
		t.Fatalf("current-user: %d %s", me.status, me.raw)
	}
	if r := c.do(t, "GET", "/current-user/meta/", auth, nil); r.status != 200 || r.body["phone"] != "" || r.body["user"] != u.ID {
		t.Fatalf("empty meta: %d %s", r.status, r.raw)
	}
	put := c.do(t, "PUT", "/current-user/meta/", auth, map[string]any{"name": "张三 <b>", "position": "教授", "department": "计信院",
		"qq": "12345", "phone": "025-8378 7000", "mobile": "+86 13800000000"})
	if put.status != 200 || put.body["name"] != "张三 <b>" || put.body["mobile"] != "+86 13800000000" {
		t.Fatalf("put meta: %d %s", put.status, put.raw)
	}
	patch := c.do(t, "PATCH", "/current-user/meta/", auth, map[string]any{"position": "副教授"})
	if patch.status != 200 || patch.body["position"] != "副教授" || patch.body["phone"] != "025-8378 7000" {
		t.Fatalf("patch meta: %d %s", patch.status, patch.raw)
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"mobile": "1380'; DROP TABLE users;--"}, "mobile"},
		{map[string]any{"qq": "<script>"}, "qq"},
		{map[string]any{"name": strings.Repeat("名", 65)}, "name"},
		{map[string]any{"phone": []int{1}}, "phone"},
	} {
		if r := c.do(t, "PATCH", "/current-user/meta/", auth, tc.body); r.status != 400 || r.body[tc.field] == nil {
			t.Errorf("patch %v: %d %s", tc.body, r.status, r.raw)
		}
	}
	for name, a := range map[string]string{"none": "", "bad token": "Token 0123456789abcdef0123456789abcdef01234567", "bearer garbage": "Bearer x"} {
		if r := c.do(t, "GET", "/current-user/meta/", a, nil); r.status != 401 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	// Another user sees their own (empty) entry, never this one.
	v := s.NewUser(t)
	if r := c.do(t, "GET", "/current-user/meta/", v.Bearer, nil); r.status != 200 || r.body["mobile"] != "" || r.body["user"] != v.ID {
		t.Errorf("other user's meta: %d %s", r.status, r.raw)
	}
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
		if err := jsonUnmarshal(r.Data, &e); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Vault().Open(ctx, identity.UserDataSubject(int64(u.ID)), e.DataRef); err == nil {
			t.Error("sealed entry still opens after erasure")
		}
	}
}
