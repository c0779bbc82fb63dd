package accounts_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// A 1×1 PNG.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func upload(t *testing.T, s *apptest.Server, path, auth, field, filename string, data []byte) apptest.Reply {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile(field, filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest("POST", s.URL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return (&apptest.Client{S: s}).Send(t, req)
}

func TestRoamioUsersProfileAndAvatar(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	ann, bob := s.NewUser(t), s.NewUser(t)
	c := apptest.NewClient(s)
	id := func(u apptest.User) string { return fmt.Sprintf("%.0f", u.ID) }

	p := c.Do(t, "PATCH", "/api/v1/users/"+id(ann)+"/profile/", ann.Bearer, map[string]any{"bio": "<script>alert(1)</script> 旅行爱好者", "birthday": "1990-01-01", "tags": "摄影,美食"})
	if p.Status != 200 || p.Body["success"] != true || p.Body["message"] != "资料更新成功" {
		t.Fatalf("profile: %d %s", p.Status, p.Raw)
	}
	d := c.Do(t, "GET", "/api/v1/users/"+id(ann)+"/", "", nil)
	prof, _ := d.Body["profile"].(map[string]any)
	if d.Status != 200 || prof["bio"] != "<script>alert(1)</script> 旅行爱好者" || prof["birthday"] != "1990-01-01" || prof["tags"] != "摄影,美食" || d.Body["joined_at"] == nil {
		t.Fatalf("detail: %d %s", d.Status, d.Raw)
	}
	if ct := d.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("detail content type %q", ct)
	}
	// Another user's profile: 403; anonymous: 401; admin: allowed.
	if r := c.Do(t, "PATCH", "/api/v1/users/"+id(ann)+"/profile/", bob.Bearer, map[string]any{"bio": "hacked"}); r.Status != 403 {
		t.Errorf("bob edits ann: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "PATCH", "/api/v1/users/"+id(ann)+"/profile/", "", map[string]any{"bio": "anon"}); r.Status != 401 {
		t.Errorf("anonymous edit: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "PATCH", "/api/v1/users/"+id(ann)+"/profile/", s.AdminBearer(t), map[string]any{"tags": "admin-set"}); r.Status != 200 {
		t.Errorf("admin edit: %d %s", r.Status, r.Raw)
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"birthday": "1990-13-01"}, "birthday"},
		{map[string]any{"birthday": "'; DROP TABLE users;--"}, "birthday"},
		{map[string]any{"birthday": "2999-01-01"}, "birthday"},
		{map[string]any{"bio": strings.Repeat("x", 501)}, "bio"},
		{map[string]any{"tags": map[string]any{}}, "tags"},
	} {
		t.Run(fmt.Sprintf("profile refused: %.40v", tc.body), func(t *testing.T) {
			if r := c.Do(t, "PATCH", "/api/v1/users/"+id(ann)+"/profile/", ann.Bearer, tc.body); r.Status != 400 || r.Body[tc.field] == nil {
				t.Errorf("%v: %d %s", tc.body, r.Status, r.Raw)
			}
		})
	}
	for _, path := range []string{"/api/v1/users/999999/", "/api/v1/users/abc/", "/api/v1/users/1%27%20OR%201=1/", "/api/v1/users/-1/"} {
		t.Run("not found: "+path, func(t *testing.T) {
			if r := c.Do(t, "GET", path, "", nil); r.Status != 404 {
				t.Errorf("%s: %d %s", path, r.Status, r.Raw)
			}
		})
	}

	// Avatar: owner only, image types by content, size bound, served back.
	if r := upload(t, s, "/api/v1/users/"+id(ann)+"/avatar/", bob.Bearer, "avatar", "a.png", tinyPNG); r.Status != 403 {
		t.Errorf("bob uploads ann's avatar: %d %s", r.Status, r.Raw)
	}
	if r := upload(t, s, "/api/v1/users/"+id(ann)+"/avatar/", ann.Bearer, "avatar", "a.png", []byte("<html><script>alert(1)</script></html>")); r.Status != 400 || r.Body["avatar"] == nil {
		t.Errorf("html as avatar: %d %s", r.Status, r.Raw)
	}
	if r := upload(t, s, "/api/v1/users/"+id(ann)+"/avatar/", ann.Bearer, "avatar", "big.png", append(append([]byte{}, tinyPNG...), make([]byte, 3<<20)...)); r.Status != 400 {
		t.Errorf("3 MiB avatar: %d %.200s", r.Status, r.Raw)
	}
	if r := upload(t, s, "/api/v1/users/"+id(ann)+"/avatar/", ann.Bearer, "file", "a.png", tinyPNG); r.Status != 400 || r.Body["avatar"] == nil {
		t.Errorf("no avatar field: %d %s", r.Status, r.Raw)
	}
	up := upload(t, s, "/api/v1/users/"+id(ann)+"/avatar/", ann.Bearer, "avatar", "a.png", tinyPNG)
	avatarURL, _ := up.Body["avatar_url"].(string)
	if up.Status != 200 || up.Body["message"] != "头像上传成功" || !strings.HasPrefix(avatarURL, s.URL+"/api/v1/media/avatars/") {
		t.Fatalf("upload: %d %s", up.Status, up.Raw)
	}
	resp, err := s.Client.Get(avatarURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, tinyPNG) || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("served avatar: %d %d bytes", resp.StatusCode, len(got))
	}
	if r := c.Do(t, "GET", "/api/v1/media/avatars/..%2F..%2Fetc%2Fpasswd", "", nil); r.Status != 404 {
		t.Errorf("path traversal: %d", r.Status)
	}
	if r := c.Do(t, "GET", "/api/v1/auth/me/", ann.Bearer, nil); r.Body["profile"].(map[string]any)["avatar"] != avatarURL ||
		r.Body["profile"].(map[string]any)["birthday"] != "1990-01-01" {
		t.Errorf("me after profile and avatar: %s", r.Raw)
	}

	// The list.
	l := c.Do(t, "GET", "/api/v1/users/?page_size=1", "", nil)
	if l.Status != 200 || l.Body["count"].(float64) < 3 || l.Body["next"] == nil || l.Body["previous"] != nil || len(l.Body["results"].([]any)) != 1 {
		t.Fatalf("list: %d %s", l.Status, l.Raw)
	}
	if r := c.Do(t, "GET", "/api/v1/users/?page=999", "", nil); r.Status != 404 {
		t.Errorf("page out of range: %d %s", r.Status, r.Raw)
	}
	if r := c.Do(t, "GET", "/api/v1/users/?page=x", "", nil); r.Status != 404 {
		t.Errorf("bad page: %d %s", r.Status, r.Raw)
	}
}
