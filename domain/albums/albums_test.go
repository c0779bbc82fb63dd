package albums_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
)

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

const stale = 10 * time.Minute

func given(events ...eventlog.Event) albums.Job {
	var j albums.Job
	for _, e := range events {
		j = j.Apply(e)
	}
	return j
}

var (
	created = albums.AlbumJobCreated{JobID: 1, Kind: albums.Movie, OwnerID: 7, CreatedAt: t0}
	image   = albums.AlbumImageUploaded{JobID: 1, Image: albums.File{Key: "k.jpg", Name: "0.jpg", Width: 4, Height: 3}, UploadedAt: t0}
	info    = albums.AlbumInfoUploaded{JobID: 1, Info: albums.Info{Title: "t", FPS: 25}, UploadedAt: t0}
	queued  = albums.AlbumJobQueued{JobID: 1, Kind: albums.Movie, Attempt: 1, QueuedAt: t0}
)

// TestStart: every answer of the document's start, per state.
func TestStart(t *testing.T) {
	for _, c := range []struct {
		name    string
		job     albums.Job
		kind    albums.Kind
		user    int64
		at      time.Time
		err     error
		message string
	}{
		{"a new job with its inputs is queued", given(created, image, info), albums.Movie, 7, t0, nil, "已加入队列"},
		{"someone else's job is not found", given(created, image, info), albums.Movie, 8, t0, albums.ErrNotFound, ""},
		{"a job of the other kind is not found", given(created, image, info), albums.Photo, 7, t0, albums.ErrNotFound, ""},
		{"no images", given(created, info), albums.Movie, 7, t0, albums.ErrNoImages, ""},
		{"no info.json", given(created, image), albums.Movie, 7, t0, albums.ErrNoInfo, ""},
		{"queued, worker alive", given(created, image, info, queued), albums.Movie, 7, t0.Add(time.Minute), albums.ErrQueued(albums.Movie, 100), ""},
		{"working but stale: queued again", given(created, image, info, queued,
			albums.AlbumJobProgressed{JobID: 1, Attempt: 1, Status: 103, At: t0}), albums.Movie, 7, t0.Add(stale), nil, "已重新加入队列"},
		{"failed: queued again", given(created, image, info, queued, albums.AlbumJobFailed{JobID: 1, Attempt: 1, FailedAt: t0}),
			albums.Movie, 7, t0, nil, "原执行失败，已重新加入队列"},
		{"done", given(created, image, info, queued, albums.AlbumJobFinished{JobID: 1, Attempt: 1, FinishedAt: t0}),
			albums.Movie, 7, t0, albums.ErrDone, ""},
		{"expired", given(created, image, info, albums.AlbumJobExpired{JobID: 1, ExpiredAt: t0}), albums.Movie, 7, t0, albums.ErrMovieExpired, ""},
		{"deleted", given(created, image, info, albums.AlbumJobDeleted{JobID: 1, DeletedAt: t0}), albums.Movie, 7, t0, albums.ErrNotFound, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := albums.Start(c.job, c.kind, c.user, c.at, stale)
			if c.err != nil {
				if !errors.Is(err, c.err) || err.Error() != c.err.Error() {
					t.Fatalf("got %v, want %v", err, c.err)
				}
				return
			}
			if err != nil || q.Message != c.message || q.Attempt != c.job.Attempt+1 {
				t.Fatalf("got %+v %v, want %q", q, err, c.message)
			}
		})
	}
}

// TestWorkerSteps: progress only forward within the attempt; a restarted
// job's old attempt can neither progress nor finish.
func TestWorkerSteps(t *testing.T) {
	j := given(created, image, info, queued)
	p, err := albums.Progress(j, 1, albums.AlbumJobProgressed{Status: 101}, t0)
	if err != nil {
		t.Fatal(err)
	}
	j = j.Apply(p)
	if _, err := albums.Progress(j, 1, albums.AlbumJobProgressed{Status: 101}, t0); !errors.Is(err, albums.ErrStaleProgress) {
		t.Errorf("a step twice: %v", err)
	}
	j = j.Apply(albums.AlbumJobQueued{JobID: 1, Attempt: 2, QueuedAt: t0})
	if _, err := albums.Finish(j, 1, albums.File{}, albums.File{}, 0, t0); !errors.Is(err, albums.ErrStaleProgress) {
		t.Errorf("an old attempt finished: %v", err)
	}
	f, err := albums.Fail(j, 2, "bad\x00reason", t0)
	if err != nil || f.Reason != "bad reason" {
		t.Errorf("fail: %+v %v", f, err)
	}
}

func TestExpire(t *testing.T) {
	ttl := 24 * time.Hour
	if e := albums.Expire(given(created), t0.Add(ttl-time.Second), ttl); e != nil {
		t.Error("expired before its time")
	}
	if e := albums.Expire(given(created), t0.Add(ttl), ttl); e == nil {
		t.Error("not expired")
	}
	working := given(created, image, info, queued)
	if e := albums.Expire(working, t0.Add(ttl), ttl); e != nil {
		t.Error("a working job expired")
	}
	if e := albums.Expire(given(created, albums.AlbumJobExpired{JobID: 1, ExpiredAt: t0}), t0.Add(2*ttl), ttl); e != nil {
		t.Error("expired twice")
	}
}

func TestInfoAndOrder(t *testing.T) {
	if _, err := albums.CheckInfo(albums.Info{Title: "a\x00b"}); !errors.Is(err, albums.ErrBadInfo) {
		t.Errorf("NUL title: %v", err)
	}
	if _, err := albums.CheckInfo(albums.Info{FPS: 1000}); !errors.Is(err, albums.ErrBadInfo) {
		t.Errorf("fps 1000: %v", err)
	}
	in, err := albums.CheckInfo(albums.Info{})
	if err != nil || in.FPS != albums.DefaultFPS {
		t.Errorf("default fps: %+v %v", in, err)
	}
	j := given(created,
		albums.AlbumImageUploaded{Image: albums.File{Key: "a", Name: "a.jpg"}},
		albums.AlbumImageUploaded{Image: albums.File{Key: "b", Name: "b.jpg"}},
		albums.AlbumImageUploaded{Image: albums.File{Key: "c", Name: "c.jpg"}},
		albums.AlbumInfoUploaded{Info: albums.Info{Images: []string{"c.jpg", "a.jpg"}}})
	var keys string
	for _, f := range j.Ordered() {
		keys += f.Key
	}
	if keys != "cab" {
		t.Errorf("order %q, want info.json's then the rest", keys)
	}
}
