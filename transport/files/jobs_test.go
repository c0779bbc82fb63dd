package files_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/files"
)

// TestJobs: a job's files through both adapters: stored under <job>/<key>,
// read back, served with their content type and ranges, and all removed by
// DeleteJob without touching job 10's when job 1's go.
func TestJobs(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) adapter{"disk": diskAdapter, "s3": s3Adapter} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tree := mk(t).objects.(files.Tree)
			jobs := files.NewJobs(tree, 1<<20)
			ctx := context.Background()
			movie := append([]byte("\x00\x00\x00\x20ftypisom"), bytes.Repeat([]byte{7}, 1000)...)
			key, err := jobs.Put(ctx, 1, movie, ".mp4")
			if err != nil {
				t.Fatal(err)
			}
			other, err := jobs.Put(ctx, 10, []byte("jpeg"), ".jpg")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := jobs.Read(ctx, 1, key); err != nil || !bytes.Equal(got, movie) {
				t.Fatalf("read: %v", err)
			}
			if _, err := jobs.Read(ctx, 1, "../10/"+other); !errors.Is(err, files.ErrNotFound) {
				t.Errorf("read outside the job: %v", err)
			}
			serve := func(job int64, key, rng string) *httptest.ResponseRecorder {
				e := echo.New()
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if rng != "" {
					req.Header.Set("Range", rng)
				}
				rec := httptest.NewRecorder()
				if err := jobs.Serve(e.NewContext(req, rec), job, key); err != nil {
					t.Fatal(err)
				}
				return rec
			}
			rec := serve(1, key, "bytes=4-7")
			if rec.Code != http.StatusPartialContent || rec.Body.String() != "ftyp" || rec.Header().Get("Content-Type") != "video/mp4" ||
				rec.Header().Get("Content-Range") != "bytes 4-7/"+strconv.Itoa(len(movie)) {
				t.Errorf("range: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
			}
			if rec := serve(1, key, ""); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), movie) {
				t.Errorf("whole: %d, %d bytes", rec.Code, rec.Body.Len())
			}
			if rec := serve(10, other, ""); rec.Header().Get("Content-Type") != "image/jpeg" {
				t.Errorf("jpeg served as %q", rec.Header().Get("Content-Type"))
			}
			if err := jobs.DeleteJob(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if rec := serve(1, key, ""); rec.Code != 404 {
				t.Errorf("after delete: %d", rec.Code)
			}
			if _, err := jobs.Read(ctx, 10, other); err != nil {
				t.Errorf("job 10's file went with job 1's: %v", err)
			}
			if err := jobs.DeleteJob(ctx, 1); err != nil {
				t.Errorf("deleting again: %v", err)
			}
		})
	}
}
