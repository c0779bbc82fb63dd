package ticketshttp_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	identitycmd "github.com/fiveapis/backend/commands/identity"
)

// appSecret is MAGPIE_APP_SECRET of the test servers.
const appSecret = "magpie-app-secret-for-ticket-tests"

func withAppSecret(c *app.Config) { c.Magpie.AppSecret = appSecret }

// magpieUser is an app user made through POST /api/lastest/auth/user/.
type magpieUser struct {
	ID   int64
	Auth string // "ApiKey <username>:<key>"
	Key  string
}

func newMagpieUser(t *testing.T, c *apptest.Client) magpieUser {
	t.Helper()
	email := "magpie_" + apptest.RandomHex(5) + "@gmail.com"
	salt := "1700000000-" + apptest.RandomHex(6)
	r := c.Do(t, "POST", "/api/lastest/auth/user/", "", map[string]any{"salt_id": salt, "email_of_google_play": email,
		"app_key_verify": identitycmd.SHA1Hex(appSecret + salt + email)})
	if r.Status != http.StatusCreated {
		t.Fatalf("create magpie user: %d %s", r.Status, r.Raw)
	}
	key := r.Body["api_key"].(map[string]any)["key"].(string)
	return magpieUser{ID: int64(r.Body["id"].(float64)), Auth: "ApiKey " + r.Body["username"].(string) + ":" + key, Key: key}
}

func want(t *testing.T, what string, r apptest.Reply, status int) apptest.Reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: want %d, got %d %s", what, status, r.Status, r.Raw)
	}
	return r
}

func idOf(r apptest.Reply) int64 { return int64(r.Body["id"].(float64)) }

func uri(resource string, id int64) string { return fmt.Sprintf("/api/lastest/%s/%d/", resource, id) }

// ids are the ids of a list answer's objects.
func ids(t *testing.T, r apptest.Reply) []int64 {
	t.Helper()
	objs, ok := r.Body["objects"].([]any)
	if !ok {
		t.Fatalf("not a list: %d %s", r.Status, r.Raw)
	}
	var out []int64
	for _, o := range objs {
		out = append(out, int64(o.(map[string]any)["id"].(float64)))
	}
	return out
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// m4aBytes starts like an M4A file.
func m4aBytes() []byte {
	return append([]byte("\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42isom"), bytes.Repeat([]byte{0}, 64)...)
}

// put uploads to a presigned URL as the app does.
func put(t *testing.T, url string, data []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// get downloads from a presigned URL.
func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// places is a small map: area A1 with villages V1 and V2, area A2 with
// village V3, and a cluster.
type places struct{ A1, V1, V2, A2, V3, Cluster int64 }

func makePlaces(t *testing.T, c *apptest.Client, admin string) places {
	t.Helper()
	area := func(name, kind string, parent int64) int64 {
		body := map[string]any{"name": name, "kind": kind}
		if parent != 0 {
			body["parent"] = uri("area", parent)
		}
		return idOf(want(t, "add "+name, c.Do(t, "POST", "/api/lastest/area/", admin, body), http.StatusCreated))
	}
	var p places
	p.A1 = area("北區", "area", 0)
	p.V1 = area("積善里", "village", p.A1)
	p.V2 = area("文昌里", "village", p.A1)
	p.A2 = area("南區", "area", 0)
	p.V3 = area("和平里", "village", p.A2)
	p.Cluster = idOf(want(t, "add cluster", c.Do(t, "POST", "/api/lastest/cluster/", admin, map[string]any{"name": "Local Affair"}), http.StatusCreated))
	return p
}

func activate(t *testing.T, c *apptest.Client, admin string, user int64, casting string, area int64) int64 {
	t.Helper()
	r := c.Do(t, "PATCH", "/api/lastest/role/", admin, map[string]any{"user": uri("auth/user", user), "casting": casting, "area": uri("area", area)})
	return idOf(want(t, "activate "+casting, r, http.StatusCreated))
}

func newTicket(t *testing.T, c *apptest.Client, auth string, village int64, public bool, extra map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"title": "路燈不亮", "content": "Whatever test", "latitude": 24.12058206, "longitude": 120.67864537,
		"village": uri("area", village), "is_public": public}
	for k, v := range extra {
		body[k] = v
	}
	return want(t, "create ticket", c.Do(t, "POST", "/api/lastest/ticket/", auth, body), http.StatusCreated).Body
}

func has(list []int64, id int64) bool {
	for _, v := range list {
		if v == id {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
