package qrcodes

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// job is a zip being built; done closes when it is on disk or failed.
type job struct {
	done chan struct{}
	path string
	err  error
}

// zipFormat versions the zip's content; changing the images changes it.
const zipFormat = "qrzip/v1/M/8px"

// fileName names a batch's zip after a hash of everything its content
// depends on.
func fileName(b cards.Batch) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%s|%d|%d|%s", zipFormat, b.ID, b.BatchCode, b.StartID, b.EndID, b.QRCodeBaseURL)
	return "batch_" + strconv.FormatInt(b.ID, 10) + "_" + hex.EncodeToString(h.Sum(nil))[:16] + ".zip"
}

// Zip returns the path of the batch's zip, one PNG per card named
// <card code>.png: at once when the file is on disk, otherwise once the build
// (this call's or one already running in this process) has finished. ctx
// bounds the wait, not the build: a build goes on after its waiter gave up,
// and a later call finds the file.
func (x *Exporter) Zip(ctx context.Context, b cards.Batch) (string, error) {
	j := x.start(b)
	select {
	case <-j.done:
		return j.path, j.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// start returns the job that makes the batch's zip: done at once when the
// file exists, the running job when one is building it, otherwise a new one.
func (x *Exporter) start(b cards.Batch) *job {
	name := fileName(b)
	path := filepath.Join(x.cfg.Dir, name)
	x.mu.Lock()
	defer x.mu.Unlock()
	if j, ok := x.jobs[name]; ok {
		return j
	}
	j := &job{done: make(chan struct{}), path: path}
	if _, err := os.Stat(path); err == nil {
		close(j.done)
		return j
	}
	x.jobs[name] = j
	go x.build(b, name, j)
	return j
}

// build writes the zip, removes the batch's older zips and records the new
// one.
func (x *Exporter) build(b cards.Batch, name string, j *job) {
	defer func() {
		x.mu.Lock()
		delete(x.jobs, name)
		x.mu.Unlock()
		close(j.done)
	}()
	x.sem <- struct{}{}
	defer func() { <-x.sem }()
	start := time.Now()
	size, sum, err := x.write(b, j.path)
	if err != nil {
		j.err = fmt.Errorf("build QR code zip of batch %d: %w", b.ID, err)
		x.cfg.Logger.Error("card qr export failed", "batch", b.ID, "err", err)
		return
	}
	x.cfg.Logger.Info("card qr export built", "batch", b.ID, "cards", b.TotalQuantity, "bytes", size, "took", time.Since(start))
	// Older zips of the batch (another QR base URL) are no longer served.
	if old, _ := filepath.Glob(filepath.Join(x.cfg.Dir, "batch_"+strconv.FormatInt(b.ID, 10)+"_*.zip")); len(old) > 0 {
		for _, f := range old {
			if filepath.Base(f) != name {
				_ = os.Remove(f)
			}
		}
	}
	if x.recorder != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		generated := cards.QRCodesGenerated{GeneratedCount: b.TotalQuantity, File: name, SizeBytes: size, SHA256: sum}
		if err := x.recorder.RecordQRCodes(ctx, b.ID, generated, eventlog.Metadata{CorrelationID: "qr-export-" + name}); err != nil {
			x.cfg.Logger.Warn("card qr export: record failed", "batch", b.ID, "err", err)
		}
	}
}

// write streams the PNGs of the batch's cards into a zip at path and returns
// its size and SHA-256.
func (x *Exporter) write(b cards.Batch, path string) (int64, string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, "", err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // fails harmlessly after the rename
	}()
	h := sha256.New()
	counter := &countWriter{w: io.MultiWriter(tmp, h)}
	bw := bufio.NewWriterSize(counter, 1<<20)
	zw := zip.NewWriter(bw)
	const chunk = 512
	type result struct {
		name string
		png  []byte
		err  error
	}
	out := make([]result, chunk)
	for first := b.StartID; first <= b.EndID; first += chunk {
		last := min(first+chunk-1, b.EndID)
		n := int(last - first + 1)
		var wg sync.WaitGroup
		for w := 0; w < x.cfg.Parallelism; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < n; i += x.cfg.Parallelism {
					code := x.coder.Code(b.BatchCode, first+int64(i))
					png, err := renderPNG(&x.png, b.QRCodeBaseURL+code)
					out[i] = result{name: code + ".png", png: png, err: err}
				}
			}(w)
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			if out[i].err != nil {
				return 0, "", out[i].err
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: out[i].name, Method: zip.Store, Modified: b.CreatedAt})
			if err != nil {
				return 0, "", err
			}
			if _, err := w.Write(out[i].png); err != nil {
				return 0, "", err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return 0, "", err
	}
	if err := bw.Flush(); err != nil {
		return 0, "", err
	}
	if err := tmp.Sync(); err != nil {
		return 0, "", err
	}
	if err := tmp.Close(); err != nil {
		return 0, "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, "", err
	}
	return counter.n, hex.EncodeToString(h.Sum(nil)), nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
