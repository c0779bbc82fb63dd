package files

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// DiskPrefix is the path the Disk adapter's signed URLs are served under.
const DiskPrefix = "/media/objects/"

// Disk keeps objects in a directory and serves them at DiskPrefix+key with
// URLs it signs itself (HMAC-SHA256 of method, key and expiry with the
// server's secret), the way S3's presigned URLs work: PUT stores the body
// (at most MaxSize bytes), GET returns it; both answer CORS (any origin:
// the signature is the credential, no cookie is read).
type Disk struct {
	dir     string
	secret  []byte
	maxSize int64
	clock   func() time.Time
}

// NewDisk creates dir when needed; maxSize bounds an uploaded object.
func NewDisk(dir string, secret []byte, maxSize int64, clock func() time.Time) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Disk{dir: dir, secret: secret, maxSize: maxSize, clock: clock}, nil
}

func (d *Disk) path(key string) (string, bool) {
	if !ValidObjectKey(key) {
		return "", false
	}
	return filepath.Join(d.dir, filepath.FromSlash(key)), true
}

func (d *Disk) sign(method, key string, expires int64) string {
	m := hmac.New(sha256.New, d.secret)
	fmt.Fprintf(m, "%s\n%s\n%d", method, key, expires)
	return hex.EncodeToString(m.Sum(nil))
}

func (d *Disk) presign(method, key string, ttl time.Duration) (string, error) {
	if !ValidObjectKey(key) {
		return "", fmt.Errorf("files: invalid key %q", key)
	}
	exp := d.clock().Add(ttl).Unix()
	q := url.Values{"expires": {strconv.FormatInt(exp, 10)}, "signature": {d.sign(method, key, exp)}}
	return DiskPrefix + key + "?" + q.Encode(), nil
}

// PresignPut implements Objects.
func (d *Disk) PresignPut(_ context.Context, key string, ttl time.Duration) (string, error) {
	return d.presign(http.MethodPut, key, ttl)
}

// PresignGet implements Objects.
func (d *Disk) PresignGet(_ context.Context, key string, ttl time.Duration) (string, error) {
	return d.presign(http.MethodGet, key, ttl)
}

// Stat implements Objects.
func (d *Disk) Stat(_ context.Context, key string) (int64, error) {
	p, ok := d.path(key)
	if !ok {
		return 0, ErrNotFound
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.IsDir() {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("files: stat %s: %w", key, err)
	}
	return fi.Size(), nil
}

// Get implements Objects: the file read through Open, at most max bytes.
func (d *Disk) Get(ctx context.Context, key string, max int64) ([]byte, error) {
	o, err := d.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	data, err := io.ReadAll(io.LimitReader(o, max+1))
	if err != nil {
		return nil, fmt.Errorf("files: read %s: %w", key, err)
	}
	if int64(len(data)) > max {
		return nil, ErrTooLarge
	}
	return data, nil
}

// Put implements Objects: written to a temporary file, then renamed.
func (d *Disk) Put(_ context.Context, key string, data []byte, _ string) error {
	return d.write(key, bytesReader(data))
}

func (d *Disk) write(key string, r io.Reader) error {
	p, ok := d.path(key)
	if !ok {
		return fmt.Errorf("files: invalid key %q", key)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("files: write %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("files: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("files: %w", err)
	}
	return nil
}

// Delete implements Objects.
func (d *Disk) Delete(_ context.Context, key string) error {
	p, ok := d.path(key)
	if !ok {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: delete %s: %w", key, err)
	}
	return nil
}

// Domain implements Objects: this server, under DiskPrefix.
func (d *Disk) Domain() Domain {
	return Domain{Name: "disk", Prefix: DiskPrefix[:len(DiskPrefix)-1]}
}

// Mount serves the signed URLs: GET and PUT at DiskPrefix+key, and
// the CORS preflight.
func (d *Disk) Mount(e *echo.Echo) {
	e.Add(http.MethodGet, DiskPrefix+"*", d.serve)
	e.Add(http.MethodPut, DiskPrefix+"*", d.serve)
	e.Add(http.MethodOptions, DiskPrefix+"*", d.preflight)
}

func allowCORS(c echo.Context) {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, PUT")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Content-Length")
	h.Set("Access-Control-Max-Age", "3000")
}

func (d *Disk) preflight(c echo.Context) error {
	allowCORS(c)
	return c.NoContent(http.StatusNoContent)
}

// s3Error answers with S3's status and error code, in JSON as every error
// of this server is: {"code": "SignatureDoesNotMatch", "error": …}.
func s3Error(c echo.Context, status int, code, msg string) error {
	return c.JSON(status, map[string]string{"code": code, "error": msg})
}

func (d *Disk) serve(c echo.Context) error {
	allowCORS(c)
	key := c.Param("*")
	if u, err := url.PathUnescape(key); err == nil {
		key = u
	}
	p, ok := d.path(key)
	if !ok {
		return s3Error(c, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	}
	method := c.Request().Method
	q := c.QueryParams()
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || !hmac.Equal([]byte(d.sign(method, key, exp)), []byte(q.Get("signature"))) {
		return s3Error(c, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature does not match.")
	}
	if d.clock().Unix() > exp {
		return s3Error(c, http.StatusForbidden, "AccessDenied", "Request has expired")
	}
	if method == http.MethodPut {
		req := c.Request()
		if req.ContentLength > d.maxSize {
			return s3Error(c, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
		}
		body := http.MaxBytesReader(c.Response(), req.Body, d.maxSize)
		if err := d.write(key, body); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return s3Error(c, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
			}
			return s3Error(c, http.StatusBadRequest, "IncompleteBody", "The body could not be read.")
		}
		return c.NoContent(http.StatusOK)
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		return s3Error(c, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	return c.File(p)
}

type diskObject struct {
	*os.File
	fi fs.FileInfo
}

func (o diskObject) Size() int64        { return o.fi.Size() }
func (o diskObject) ModTime() time.Time { return o.fi.ModTime() }

// Open implements Tree.
func (d *Disk) Open(_ context.Context, key string) (Object, error) {
	p, ok := d.path(key)
	if !ok {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		f.Close()
		return nil, ErrNotFound
	}
	return diskObject{f, fi}, nil
}

// DeletePrefix implements Tree: the folder of prefix and all in it.
func (d *Disk) DeletePrefix(_ context.Context, prefix string) error {
	p, ok := d.path(prefix)
	if !ok {
		return fmt.Errorf("files: invalid prefix %q", prefix)
	}
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("files: delete %s: %w", prefix, err)
	}
	return nil
}
