package ticketshttp_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
)

// fileFlow runs the whole file flow against a server: a ticket announces a
// picture and a recording; the app PUTs the bytes to the presigned URLs,
// reports save_done, and then others see the files and GET the same bytes.
func fileFlow(t *testing.T, s *apptest.Server, c *apptest.Client) (ticket map[string]any, pictureURL string) {
	t.Helper()
	admin := s.AdminBearer(t)
	p := makePlaces(t, c, admin)
	citizen, chief := newMagpieUser(t, c), newMagpieUser(t, c)
	activate(t, c, admin, chief.ID, "村里幹事", p.V1)
	tk := newTicket(t, c, citizen.Auth, p.V1, false, map[string]any{
		"pictures": []any{map[string]any{"ext": "jpg"}, "photo.jpg"}, "tapes": []any{map[string]any{"ext": "m4a"}}, "main_picture": 1})
	pictures, tapes := tk["pictures"].([]any), tk["tapes"].([]any)
	if len(pictures) != 2 || len(tapes) != 1 {
		t.Fatalf("files: %v", tk)
	}
	pic, bad, tape := pictures[0].(map[string]any), pictures[1].(map[string]any), tapes[0].(map[string]any)
	if tk["main_picture"] != bad["resource_uri"] || pic["save_done"] != false || !strings.HasPrefix(pic["url_dir"].(string), "ticket/") ||
		pic["domain"].(map[string]any)["resource_uri"] != "/api/lastest/domain/1/" {
		t.Errorf("ticket files: %v", tk)
	}
	tid := int64(tk["id"].(float64))
	saveDone := func(auth string, f map[string]any) apptest.Reply {
		return c.Do(t, "PATCH", f["resource_uri"].(string), auth, map[string]any{"save_done": true})
	}
	t.Run("others do not see files not yet uploaded", func(t *testing.T) {
		r := want(t, "chief reads", c.Do(t, "GET", uri("ticket", tid), chief.Auth, nil), http.StatusOK)
		if n := len(r.Body["pictures"].([]any)); n != 0 || r.Body["main_picture"] != nil {
			t.Errorf("unsaved files shown: %s", r.Raw)
		}
		want(t, "chief reads the file", c.Do(t, "GET", pic["resource_uri"].(string), chief.Auth, nil), http.StatusNotFound)
	})
	t.Run("save_done before the upload is refused", func(t *testing.T) {
		r := want(t, "not uploaded", saveDone(citizen.Auth, pic), http.StatusBadRequest)
		if r.Body["save_done"] == nil {
			t.Errorf("not uploaded: %s", r.Raw)
		}
	})
	jpg := jpegBytes(t)
	t.Run("upload, save_done, download the same bytes", func(t *testing.T) {
		if st, body := put(t, pic["authentication_absolute_url"].(string), jpg); st != http.StatusOK {
			t.Fatalf("PUT picture: %d %s", st, body)
		}
		want(t, "someone else reports it", saveDone(chief.Auth, pic), http.StatusNotFound)
		r := want(t, "save_done", saveDone(citizen.Auth, pic), http.StatusAccepted)
		if r.Body["save_done"] != true || r.Body["size"] != float64(len(jpg)) {
			t.Errorf("saved: %s", r.Raw)
		}
		want(t, "save_done again", saveDone(citizen.Auth, pic), http.StatusAccepted)
		if st, body := put(t, tape["authentication_absolute_url"].(string), m4aBytes()); st != http.StatusOK {
			t.Fatalf("PUT tape: %d %s", st, body)
		}
		want(t, "tape save_done", saveDone(citizen.Auth, tape), http.StatusAccepted)
		r = want(t, "chief reads", c.Do(t, "GET", uri("ticket", tid), chief.Auth, nil), http.StatusOK)
		shown := r.Body["pictures"].([]any)
		if len(shown) != 1 || len(r.Body["tapes"].([]any)) != 1 {
			t.Fatalf("chief sees: %s", r.Raw)
		}
		pictureURL = shown[0].(map[string]any)["authentication_absolute_url"].(string)
		st, got := get(t, pictureURL)
		if st != http.StatusOK || !bytes.Equal(got, jpg) {
			t.Errorf("GET picture: %d, %d bytes (want %d)", st, len(got), len(jpg))
		}
	})
	t.Run("a file that is not what it says is refused and removed", func(t *testing.T) {
		if st, body := put(t, bad["authentication_absolute_url"].(string), []byte("<html>not a picture</html>")); st != http.StatusOK {
			t.Fatalf("PUT: %d %s", st, body)
		}
		r := want(t, "bad picture", saveDone(citizen.Auth, bad), http.StatusBadRequest)
		if r.Body["save_done"] == nil {
			t.Errorf("bad picture: %s", r.Raw)
		}
		want(t, "again: gone from storage", saveDone(citizen.Auth, bad), http.StatusBadRequest)
		if st, body := put(t, bad["authentication_absolute_url"].(string), jpg); st != http.StatusOK {
			t.Fatalf("PUT again: %d %s", st, body)
		}
		want(t, "the app uploads again", saveDone(citizen.Auth, bad), http.StatusAccepted)
		r = want(t, "main picture shown", c.Do(t, "GET", uri("ticket", tid), chief.Auth, nil), http.StatusOK)
		if r.Body["main_picture"] != bad["resource_uri"] {
			t.Errorf("main picture: %s", r.Raw)
		}
	})
	return tk, pictureURL
}

// The default storage: the server's directory and its own signed URLs.
func TestTicketFilesOnDisk(t *testing.T) {
	t.Parallel()
	clock := apptest.NewFakeClock()
	s := apptest.Start(t, apptest.WithClock(clock), apptest.WithConfig(func(c *app.Config) {
		withAppSecret(c)
		c.Magpie.URLTTL = time.Hour
		c.Magpie.MaxPictureBytes = 64 << 10
		c.Magpie.MaxTapeBytes = 128 << 10
	}))
	c := apptest.NewClient(s)
	tk, getURL := fileFlow(t, s, c)
	putURL := tk["tapes"].([]any)[0].(map[string]any)["authentication_absolute_url"].(string)

	t.Run("a signature is bound to its method, key and expiry", func(t *testing.T) {
		u, _ := url.Parse(getURL)
		q := u.Query()
		q.Set("expires", q.Get("expires")+"0")
		u.RawQuery = q.Encode()
		if st, _ := get(t, u.String()); st != http.StatusForbidden {
			t.Errorf("changed expiry: %d", st)
		}
		if st, _ := put(t, getURL, []byte("x")); st != http.StatusForbidden {
			t.Errorf("PUT with a GET URL: %d", st)
		}
		if st, _ := get(t, strings.Replace(getURL, "/pictures/", "/tapes/", 1)); st != http.StatusForbidden {
			t.Errorf("another key: %d", st)
		}
	})
	t.Run("an oversized upload is refused", func(t *testing.T) {
		big := bytes.Repeat([]byte{1}, 1<<20)
		if st, _ := put(t, putURL, big); st != http.StatusBadRequest {
			t.Errorf("oversized: %d", st)
		}
	})
	t.Run("expired URLs are refused", func(t *testing.T) {
		clock.Advance(2 * time.Hour)
		if st, _ := get(t, getURL); st != http.StatusForbidden {
			t.Errorf("expired GET: %d", st)
		}
		if st, _ := put(t, putURL, m4aBytes()); st != http.StatusForbidden {
			t.Errorf("expired PUT: %d", st)
		}
	})
	t.Run("CORS preflight of an upload", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, putURL, nil)
		req.Header.Set("Origin", "https://magpie.example")
		req.Header.Set("Access-Control-Request-Method", "PUT")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
	})
}

// S3: the same flow against a real S3 protocol server on loopback
// (gofakes3, MIT), the URLs presigned by minio-go.
func TestTicketFilesOnS3(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	if err := backend.CreateBucket("magpie-test"); err != nil {
		t.Fatal(err)
	}
	fake := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(fake.Close)
	endpoint := strings.TrimPrefix(fake.URL, "http://")
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		withAppSecret(c)
		c.Magpie.Storage = "s3"
		c.Magpie.URLTTL = 90 * time.Minute
		c.Magpie.S3 = app.MagpieS3Config{Endpoint: endpoint, Bucket: "magpie-test", Region: "us-east-1", AccessKey: "AKIDTEST",
			SecretKey: "secret-test-key", Prefix: "test"}
	}))
	c := apptest.NewClient(s)
	tk, getURL := fileFlow(t, s, c)
	t.Run("presigned URLs are S3's, on the bucket, with the configured lifetime", func(t *testing.T) {
		put := tk["tapes"].([]any)[0].(map[string]any)
		u, err := url.Parse(put["authentication_absolute_url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if u.Host != endpoint || !strings.HasPrefix(u.Path, "/magpie-test/test/ticket/") || u.Query().Get("X-Amz-Expires") != "5400" ||
			u.Query().Get("X-Amz-Signature") == "" {
			t.Errorf("presigned PUT: %s", u)
		}
		d := put["domain"].(map[string]any)
		if d["name"] != "magpie-test" || d["prefix"] != "/magpie-test/test" || d["protocol"] != "http" {
			t.Errorf("domain: %v", d)
		}
		if g, _ := url.Parse(getURL); g.Query().Get("X-Amz-Expires") != "5400" {
			t.Errorf("presigned GET: %s", getURL)
		}
	})
	t.Run("the bytes are in the bucket", func(t *testing.T) {
		objs, err := backend.ListBucket("magpie-test", nil, gofakes3.ListBucketPage{})
		if err != nil {
			t.Fatal(err)
		}
		if len(objs.Contents) != 3 {
			t.Errorf("objects: %d", len(objs.Contents))
		}
	})
}

// The read model lists the files whose upload never completed (what the
// job magpie_stale_uploads discards), and never a saved one.
func TestStaleFilesQuery(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(withAppSecret))
	c := apptest.NewClient(s)
	admin := s.AdminBearer(t)
	p := makePlaces(t, c, admin)
	u := newMagpieUser(t, c)
	tk := newTicket(t, c, u.Auth, p.V1, false, map[string]any{"pictures": 2})
	pics := tk["pictures"].([]any)
	saved := pics[0].(map[string]any)
	if st, body := put(t, saved["authentication_absolute_url"].(string), jpegBytes(t)); st != http.StatusOK {
		t.Fatalf("PUT: %d %s", st, body)
	}
	want(t, "save_done", c.Do(t, "PATCH", saved["resource_uri"].(string), u.Auth, map[string]any{"save_done": true}), http.StatusAccepted)
	q := ticketsq.New(s.App.Pool())
	stale, err := q.StaleFiles(context.Background(), time.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	unsaved := int64(pics[1].(map[string]any)["id"].(float64))
	if len(stale) != 1 || stale[0].FileID != unsaved || !strings.HasSuffix(stale[0].Key, ".jpg") {
		t.Errorf("stale: %+v", stale)
	}
	if stale, _ := q.StaleFiles(context.Background(), time.Now().Add(-time.Hour), 10); len(stale) != 0 {
		t.Errorf("files announced after the moment: %+v", stale)
	}
}
