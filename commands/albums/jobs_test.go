package albums_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	albumscmd "github.com/fiveapis/backend/commands/albums"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/transport/files"
)

// trees are the two storages the server may wire the job files to: the
// disk and S3 (minio-go against gofakes3 over HTTP on loopback).
func trees(t *testing.T) map[string]files.Tree {
	disk, err := files.NewDisk(t.TempDir(), []byte("secret"), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	fake := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(fake.Close)
	s3, err := files.NewS3(files.S3Config{Endpoint: strings.TrimPrefix(fake.URL, "http://"), Bucket: "albums", Region: "us-east-1",
		AccessKey: "AKID", SecretKey: "secret", Prefix: "albums"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.Prepare(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return map[string]files.Tree{"disk": disk, "s3": s3}
}

// candidates stands for the read model's stale query: it names every job;
// the expiry decides again on each stream.
type candidates []int64

func (c candidates) StaleJobs(context.Context, time.Time, int) ([]int64, error) { return c, nil }

// TestExpiry: a job untouched for the TTL expires (−2) and its files are
// deleted; a younger one is left; a start of the expired job says so.
func TestExpiry(t *testing.T) {
	for name, tree := range trees(t) {
		t.Run(name, func(t *testing.T) { testExpiry(t, tree) })
	}
}

func testExpiry(t *testing.T, tree files.Tree) {
	env := handlingtest.New(t, albums.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	const ttl = 48 * time.Hour
	h := albumscmd.New(env.Runner(handling.Config{}), clock, files.NewJobs(tree, 1<<20), albumscmd.Config{TTL: ttl})
	ctx := context.Background()
	owner := access.Actor{UserID: 7}
	old, err := h.CreateJob(ctx, albumscmd.CreateJob{Actor: owner, Kind: albums.Movie})
	if err != nil {
		t.Fatal(err)
	}
	_, img, err := h.UploadImage(ctx, albumscmd.UploadImage{Actor: owner, Kind: albums.Movie, JobID: old.JobID,
		Image: albums.File{Name: "0.jpg", ContentType: "image/jpeg", Width: 1, Height: 1}, Ext: ".jpg", Data: []byte("jpeg bytes")})
	if err != nil {
		t.Fatal(err)
	}
	key := strconv.FormatInt(old.JobID, 10) + "/" + img.Key
	if _, err := tree.Stat(ctx, key); err != nil {
		t.Fatalf("the upload is not stored at %s: %v", key, err)
	}
	clock.Advance(ttl / 2)
	young, err := h.CreateJob(ctx, albumscmd.CreateJob{Actor: owner, Kind: albums.Photo})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(ttl/2 + time.Second)
	n, err := h.Expire(ctx, candidates{old.JobID, young.JobID}, clock.Now())
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	j, err := h.Load(ctx, old.JobID)
	if err != nil || j.Status != albums.StatusExpired {
		t.Fatalf("old job: %+v %v", j, err)
	}
	if _, err := tree.Stat(ctx, key); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("the expired job's files are still there: %v", err)
	}
	if j, _ := h.Load(ctx, young.JobID); j.Status != albums.StatusWaiting {
		t.Errorf("the young job: %+v", j)
	}
	if _, err := h.StartJob(ctx, albumscmd.StartJob{Actor: owner, Kind: albums.Movie, JobID: old.JobID}); !errors.Is(err, albums.ErrMovieExpired) {
		t.Errorf("start of an expired job: %v", err)
	}
	if n, err := h.Expire(ctx, candidates{old.JobID}, clock.Now().Add(ttl)); err != nil || n != 0 {
		t.Errorf("expired again: %d %v", n, err)
	}
}
