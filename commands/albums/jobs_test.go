package albums_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	albumscmd "github.com/fiveapis/backend/commands/albums"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/transport/files"
)

// dirFiles is the job file store the server wires (one folder per job).
type dirFiles struct{ d *files.Dirs }

func (f dirFiles) Put(job int64, data []byte, ext string) (string, error) {
	l, err := f.d.Dir(strconv.FormatInt(job, 10), true)
	if err != nil {
		return "", err
	}
	return l.Put(data, ext)
}

func (f dirFiles) Read(job int64, key string) ([]byte, error) {
	l, err := f.d.Dir(strconv.FormatInt(job, 10), false)
	if err != nil {
		return nil, err
	}
	return l.Read(key)
}

func (f dirFiles) DeleteJob(job int64) error { return f.d.Remove(strconv.FormatInt(job, 10)) }

// candidates stands for the read model's stale query: it names every job;
// the expiry decides again on each stream.
type candidates []int64

func (c candidates) StaleJobs(context.Context, time.Time, int) ([]int64, error) { return c, nil }

// TestExpiry: a job untouched for the TTL expires (−2) and its files are
// deleted; a younger one is left; a start of the expired job says so.
func TestExpiry(t *testing.T) {
	env := handlingtest.New(t, albums.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	root := t.TempDir()
	d, err := files.NewDirs(root)
	if err != nil {
		t.Fatal(err)
	}
	const ttl = 48 * time.Hour
	h := albumscmd.New(env.Runner(handling.Config{}), clock, dirFiles{d}, albumscmd.Config{TTL: ttl})
	ctx := context.Background()
	owner := access.Actor{UserID: 7}
	old, err := h.CreateJob(ctx, albumscmd.CreateJob{Actor: owner, Kind: albums.Movie})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.UploadImage(ctx, albumscmd.UploadImage{Actor: owner, Kind: albums.Movie, JobID: old.JobID,
		Image: albums.File{Name: "0.jpg", ContentType: "image/jpeg", Width: 1, Height: 1}, Ext: ".jpg", Data: []byte("jpeg bytes")}); err != nil {
		t.Fatal(err)
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
	if _, err := os.Stat(filepath.Join(root, strconv.FormatInt(old.JobID, 10))); !errors.Is(err, os.ErrNotExist) {
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
