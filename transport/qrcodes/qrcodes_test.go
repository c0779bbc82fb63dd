package qrcodes_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/qrcodes"
)

// coder stands in for the card code signer: "<batch code>-<id>".
type coder struct{}

func (coder) Code(batchCode string, id int64) string { return fmt.Sprintf("%s-%d", batchCode, id) }

// record is one call of the Recorder.
type record struct {
	BatchID   int64
	Generated cards.QRCodesGenerated
	Meta      eventlog.Metadata
}

// recorder keeps what the exporter records.
type recorder struct {
	mu      sync.Mutex
	records []record
}

func (r *recorder) RecordQRCodes(_ context.Context, batchID int64, g cards.QRCodesGenerated, meta eventlog.Metadata) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, record{BatchID: batchID, Generated: g, Meta: meta})
	return nil
}

func (r *recorder) all() []record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]record(nil), r.records...)
}

func newExporter(t testing.TB, dir string, rec qrcodes.Recorder) *qrcodes.Exporter {
	t.Helper()
	x, err := qrcodes.New(qrcodes.Config{Dir: dir, Parallelism: 2, Logger: slog.New(slog.DiscardHandler)}, coder{}, rec)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func batch(id int64, cardCount int, baseURL string) cards.Batch {
	start := id * 100_000
	return cards.Batch{ID: id, BatchCode: fmt.Sprintf("SONG_20260301_%03d", id), StartID: start, EndID: start + int64(cardCount) - 1,
		TotalQuantity: cardCount, QRCodeBaseURL: baseURL, CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// checkPNG fails unless raw is a square QR image of at least 200 pixels.
func checkPNG(t *testing.T, name string, raw io.Reader) {
	t.Helper()
	img, err := png.Decode(raw)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", name, err)
	}
	if w := img.Bounds().Dx(); w < 200 || w != img.Bounds().Dy() {
		t.Errorf("%s is %v", name, img.Bounds())
	}
}

func TestPNG(t *testing.T) {
	t.Parallel()
	x := newExporter(t, t.TempDir(), nil)
	raw, err := x.PNG("https://cards.example.org/c/SONG_20260301_001-1-ABCDEFGHIJKL")
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "the image", bytes.NewReader(raw))
}

func TestZip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := &recorder{}
	x := newExporter(t, dir, rec)
	// One card more than a chunk of encoders (512): the order holds across
	// chunks.
	b := batch(1, 513, "https://cards.example.org/c/")
	path, err := x.Zip(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the zip is in the directory, one PNG per card named by its code, in order", func(t *testing.T) {
		if filepath.Dir(path) != dir {
			t.Errorf("zip at %s, not in %s", path, dir)
		}
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatalf("not a zip: %v", err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		var want []string
		for id := b.StartID; id <= b.EndID; id++ {
			want = append(want, coder{}.Code(b.BatchCode, id)+".png")
		}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Fatalf("entries (-want +got):\n%s", diff)
		}
		for i, f := range zr.File {
			if i%257 != 0 && i != len(zr.File)-1 {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, f.Name, rc)
			rc.Close()
		}
	})

	t.Run("the built zip is recorded once with its size and hash", func(t *testing.T) {
		sum := sha256.Sum256(raw)
		name := filepath.Base(path)
		want := []record{{BatchID: b.ID, Meta: eventlog.Metadata{CorrelationID: "qr-export-" + name},
			Generated: cards.QRCodesGenerated{GeneratedCount: 513, File: name, SizeBytes: int64(len(raw)), SHA256: hex.EncodeToString(sum[:])}}}
		if diff := cmp.Diff(want, rec.all()); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
	})

	t.Run("a zip on disk is served again without a build", func(t *testing.T) {
		again, err := x.Zip(context.Background(), b)
		if err != nil || again != path {
			t.Fatalf("second zip: %s %v, want %s", again, err, path)
		}
		if n := len(rec.all()); n != 1 {
			t.Errorf("%d records, want 1", n)
		}
	})

	t.Run("another exporter on the same directory finds the zip", func(t *testing.T) {
		other := newExporter(t, dir, rec)
		again, err := other.Zip(context.Background(), b)
		if err != nil || again != path {
			t.Fatalf("zip: %s %v, want %s", again, err, path)
		}
		if n := len(rec.all()); n != 1 {
			t.Errorf("%d records, want 1", n)
		}
	})

}

func TestANewQRBaseURLReplacesTheBatchsZip(t *testing.T) {
	t.Parallel()
	x := newExporter(t, t.TempDir(), nil)
	b := batch(4, 3, "https://cards.example.org/c/")
	path, err := x.Zip(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	b.QRCodeBaseURL = "https://other.example.org/c/"
	next, err := x.Zip(context.Background(), b)
	if err != nil || next == path {
		t.Fatalf("zip: %s %v, want a new file", next, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old zip still there: %v", err)
	}
}

func TestConcurrentZipsOfABatchBuildItOnce(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	x := newExporter(t, t.TempDir(), rec)
	b := batch(2, 40, "https://cards.example.org/c/")
	const callers = 8
	paths := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = x.Zip(context.Background(), b)
		}()
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Fatalf("caller %d: %s %v, want %s", i, paths[i], errs[i], paths[0])
		}
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d builds recorded, want 1", n)
	}
}

func TestZipWaitIsBoundedByTheContextNotTheBuild(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	x := newExporter(t, t.TempDir(), rec)
	b := batch(3, 30, "https://cards.example.org/c/")
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := x.Zip(ctx, b); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	// The build went on: a later call gets the zip that one build made.
	path, err := x.Zip(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d builds recorded, want 1", n)
	}
}

func TestNewRemovesTemporariesOfInterruptedBuilds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stale := filepath.Join(dir, "batch_1_x.zip.1.tmp")
	fresh := filepath.Join(dir, "batch_2_x.zip.2.tmp")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	newExporter(t, dir, nil)

	t.Run("a temporary older than an hour is removed", func(t *testing.T) {
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temporary: %v", err)
		}
	})
	t.Run("a younger one may be another process's build and stays", func(t *testing.T) {
		if _, err := os.Stat(fresh); err != nil {
			t.Errorf("fresh temporary: %v", err)
		}
	})
}

func TestNewNeedsADirectoryAndACoder(t *testing.T) {
	t.Parallel()
	t.Run("no directory", func(t *testing.T) {
		if _, err := qrcodes.New(qrcodes.Config{}, coder{}, nil); err == nil {
			t.Error("New without Dir succeeded")
		}
	})
	t.Run("no coder", func(t *testing.T) {
		if _, err := qrcodes.New(qrcodes.Config{Dir: t.TempDir()}, nil, nil); err == nil {
			t.Error("New without a Coder succeeded")
		}
	})
}

// BenchmarkPNG renders one card's QR code, as GET /api/card/qr/{code}.png
// and every image of a batch's zip do.
func BenchmarkPNG(b *testing.B) {
	x := newExporter(b, b.TempDir(), nil)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := x.PNG("https://cards.example.com/use/CARD" + strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
}
