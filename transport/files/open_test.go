package files_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/fiveapis/backend/transport/files"
)

func TestOpenOfAnUnknownKeyIsNotExist(t *testing.T) {
	t.Parallel()
	l, err := files.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := l.Put([]byte("hello"), ".txt")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := l.Open(key); err != nil {
		t.Fatalf("open %s: %v", key, err)
	} else {
		f.Close()
	}
	for _, key := range []string{"0123456789abcdef.txt", "../etc/passwd", ""} {
		if _, err := l.Open(key); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, files.ErrNotFound) {
			t.Errorf("open %q: %v, want fs.ErrNotExist", key, err)
		}
	}
}
