package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Tree is an Objects adapter that also streams an object (for range
// requests) and deletes every object under a prefix. Disk and S3 are
// both one.
type Tree interface {
	Objects
	// Open streams an object; ErrNotFound when nothing is stored. The
	// caller closes it.
	Open(ctx context.Context, key string) (Object, error)
	// DeletePrefix removes every object whose key starts with prefix+"/".
	DeletePrefix(ctx context.Context, prefix string) error
}

// Object is a stored object being read: seekable (http.ServeContent
// answers range requests with it), with its size and modification time.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Jobs keeps the files of jobs (004's album and long-image jobs) in a
// Tree under <job id>/<key>, the key being the content's SHA-256 (32 hex
// digits) with its extension, so that every server process sharing the
// storage (S3) sees every job's uploads and results.
type Jobs struct {
	tree Tree
	// MaxRead bounds an object Read returns (an upload or a result).
	maxRead int64
}

// NewJobs returns the store over tree; maxRead bounds one Read.
func NewJobs(tree Tree, maxRead int64) *Jobs { return &Jobs{tree: tree, maxRead: maxRead} }

func jobPrefix(job int64) string { return strconv.FormatInt(job, 10) }

// ContentType is the content type served for a key's extension.
func ContentType(key string) string {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '.' {
			switch ext := key[i:]; ext {
			case ".mp4":
				return "video/mp4"
			case ".json":
				return "application/json"
			default:
				if t := mime.TypeByExtension(ext); t != "" {
					return t
				}
			}
			break
		}
	}
	return "application/octet-stream"
}

// Put stores data of job; the key is its SHA-256 (32 hex digits) with ext.
func (j *Jobs) Put(ctx context.Context, job int64, data []byte, ext string) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:16]) + ext
	if !validKey(key) {
		return "", fmt.Errorf("files: invalid extension %q", ext)
	}
	if err := j.tree.Put(ctx, jobPrefix(job)+"/"+key, data, ContentType(key)); err != nil {
		return "", fmt.Errorf("files: job %d: %w", job, err)
	}
	return key, nil
}

// Read returns a stored file of job; ErrNotFound when there is none.
func (j *Jobs) Read(ctx context.Context, job int64, key string) ([]byte, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	data, err := j.tree.Get(ctx, jobPrefix(job)+"/"+key, j.maxRead)
	if err != nil {
		return nil, fmt.Errorf("files: job %d: %w", job, err)
	}
	return data, nil
}

// DeleteJob removes every file of job (none: no error).
func (j *Jobs) DeleteJob(ctx context.Context, job int64) error {
	if err := j.tree.DeletePrefix(ctx, jobPrefix(job)); err != nil {
		return fmt.Errorf("files: delete job %d: %w", job, err)
	}
	return nil
}

// Serve answers GET (and HEAD) of a job's file with its content type and
// range requests (a video player seeks in the album's MP4 with them).
func (j *Jobs) Serve(c echo.Context, job int64, key string) error {
	notFound := func() error { return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."}) }
	if !validKey(key) {
		return notFound()
	}
	obj, err := j.tree.Open(c.Request().Context(), jobPrefix(job)+"/"+key)
	if errors.Is(err, ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return fmt.Errorf("files: job %d: %w", job, err)
	}
	defer obj.Close()
	h := c.Response().Header()
	h.Set("Content-Type", ContentType(key))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'")
	http.ServeContent(c.Response(), c.Request(), key, obj.ModTime(), obj)
	return nil
}
