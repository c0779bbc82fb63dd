// Package files keeps uploaded files (avatars, guides) on the local filesystem
// under content-addressed keys and serves them back.
package files

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"
)

// Local stores files in a directory.
type Local struct {
	dir string
}

// NewLocal creates dir when needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Local{dir: dir}, nil
}

// Put stores data; the key is its SHA-256 (32 hex digits) with ext.
func (l *Local) Put(data []byte, ext string) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:16]) + ext
	path := filepath.Join(l.dir, key)
	if _, err := os.Stat(path); err == nil {
		return key, nil
	}
	tmp, err := os.CreateTemp(l.dir, ".upload-*")
	if err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("files: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("files: %w", err)
	}
	return key, nil
}

// validKey accepts only what Put makes.
func validKey(key string) bool {
	if len(key) < 33 || len(key) > 40 || strings.Count(key, ".") != 1 {
		return false
	}
	for _, r := range key {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r == '.' || r >= 'g' && r <= 'z') {
			return false
		}
	}
	return true
}

// Serve answers GET of the file named by the route parameter "key".
func (l *Local) Serve(c echo.Context) error {
	key := c.Param("key")
	if !validKey(key) {
		return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
	path := filepath.Join(l.dir, key)
	if _, err := os.Stat(path); err != nil {
		return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'")
	return c.File(path)
}

// Dirs keeps one Local store per folder under a root: the files of one
// album job each, removed together.
type Dirs struct{ root string }

// NewDirs creates root when needed.
func NewDirs(root string) (*Dirs, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Dirs{root: root}, nil
}

// validDir accepts folder names of letters, digits, "_" and "-".
func validDir(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Dir returns the store of folder name, creating it when create is set;
// ErrNotFound when it does not exist (or the name is not one Dirs makes).
func (d *Dirs) Dir(name string, create bool) (*Local, error) {
	if !validDir(name) {
		return nil, ErrNotFound
	}
	path := filepath.Join(d.root, name)
	if create {
		return NewLocal(path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, ErrNotFound
	}
	return &Local{dir: path}, nil
}

// Remove deletes folder name and every file in it (none: no error).
func (d *Dirs) Remove(name string) error {
	if !validDir(name) {
		return ErrNotFound
	}
	if err := os.RemoveAll(filepath.Join(d.root, name)); err != nil {
		return fmt.Errorf("files: remove %s: %w", name, err)
	}
	return nil
}
