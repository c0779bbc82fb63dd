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
