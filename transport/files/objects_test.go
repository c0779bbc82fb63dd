package files_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/files"
)

// The contract of files.Objects, run against both adapters: the disk
// (served by its own routes on a test server) and S3 (minio-go against
// gofakes3 over HTTP on loopback).

type adapter struct {
	objects files.Objects
	// base makes the adapter's URLs absolute ("" when they are).
	base string
}

func diskAdapter(t *testing.T) adapter {
	d, err := files.NewDisk(t.TempDir(), []byte("secret"), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	d.Mount(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return adapter{objects: d, base: srv.URL}
}

func s3Adapter(t *testing.T) adapter {
	fake := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(fake.Close)
	s, err := files.NewS3(files.S3Config{Endpoint: strings.TrimPrefix(fake.URL, "http://"), Bucket: "contract", Region: "us-east-1",
		AccessKey: "AKID", SecretKey: "secret", Prefix: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Prepare(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return adapter{objects: s}
}

func do(t *testing.T, method, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestObjectsContract(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) adapter{"disk": diskAdapter, "s3": s3Adapter} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := mk(t)
			ctx := context.Background()
			o := a.objects
			const key = "ticket/0/0/6/6/pictures/16/20140629033048-9591928058.jpg"
			data := []byte("the bytes of a picture")
			t.Run("nothing stored yet", func(t *testing.T) {
				if _, err := o.Stat(ctx, key); !errors.Is(err, files.ErrNotFound) {
					t.Errorf("stat: %v", err)
				}
				if _, err := o.Get(ctx, key, 100); !errors.Is(err, files.ErrNotFound) {
					t.Errorf("get: %v", err)
				}
			})
			t.Run("a presigned PUT stores, a presigned GET returns the bytes", func(t *testing.T) {
				u, err := o.PresignPut(ctx, key, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				if st, b := do(t, http.MethodPut, a.base+u, data); st != http.StatusOK {
					t.Fatalf("PUT: %d %s", st, b)
				}
				if n, err := o.Stat(ctx, key); err != nil || n != int64(len(data)) {
					t.Errorf("stat: %d %v", n, err)
				}
				if got, err := o.Get(ctx, key, 100); err != nil || !bytes.Equal(got, data) {
					t.Errorf("get: %q %v", got, err)
				}
				if _, err := o.Get(ctx, key, 5); !errors.Is(err, files.ErrTooLarge) {
					t.Errorf("get beyond max: %v", err)
				}
				g, err := o.PresignGet(ctx, key, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				if st, b := do(t, http.MethodGet, a.base+g, nil); st != http.StatusOK || !bytes.Equal(b, data) {
					t.Errorf("GET: %d %q", st, b)
				}
			})
			t.Run("server-side put and delete", func(t *testing.T) {
				const k2 = "album/1/out.mp4"
				if err := o.Put(ctx, k2, []byte("video"), "video/mp4"); err != nil {
					t.Fatal(err)
				}
				if got, err := o.Get(ctx, k2, 10); err != nil || string(got) != "video" {
					t.Errorf("get: %q %v", got, err)
				}
				if err := o.Delete(ctx, k2); err != nil {
					t.Fatal(err)
				}
				if err := o.Delete(ctx, k2); err != nil {
					t.Errorf("deleting a missing object: %v", err)
				}
				if _, err := o.Stat(ctx, k2); !errors.Is(err, files.ErrNotFound) {
					t.Errorf("stat after delete: %v", err)
				}
			})
			t.Run("keys that escape are refused", func(t *testing.T) {
				for _, k := range []string{"../etc/passwd", "/abs", "a//b", "a/./b", "a b", ""} {
					if _, err := o.PresignPut(ctx, k, time.Hour); err == nil {
						t.Errorf("presign %q", k)
					}
					if err := o.Put(ctx, k, data, ""); err == nil {
						t.Errorf("put %q", k)
					}
				}
			})
		})
	}
}
