package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotFound is a key that names no stored file. It is fs.ErrNotExist
// (errors.Is), so the stores' users need not import this package.
var ErrNotFound = fmt.Errorf("files: not found: %w", fs.ErrNotExist)

// Open opens a stored file by its key; ErrNotFound when there is none.
func (l *Local) Open(key string) (*os.File, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	f, err := os.Open(filepath.Join(l.dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", key, err)
	}
	return f, nil
}

// Read returns a stored file's bytes; ErrNotFound when there is none.
func (l *Local) Read(key string) ([]byte, error) {
	f, err := l.Open(key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("files: read %s: %w", key, err)
	}
	return data, nil
}
