package cards

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	cmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/access"
	domain "github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// ExporterConfig configures the QR code zip exporter.
type ExporterConfig struct {
	// Dir holds the zips (DATA_DIR/qrcodes in the wiring). Several server
	// processes may share it: a zip is written to a temporary file and renamed.
	Dir string
	// Builds is how many zips are built at once. Default 1.
	Builds int
	// Parallelism is how many goroutines encode the PNGs of one zip. Default
	// half the CPUs (at least 1), so a build never takes every core from the
	// requests.
	Parallelism int
	Logger      *slog.Logger
}

// Recorder records a built zip (cmd.Handlers.RecordQRCodes).
type Recorder interface {
	RecordQRCodes(ctx context.Context, c cmd.RecordQRCodes) (cmd.RecordQRCodesResult, error)
}

// Exporter builds the QR code zip of a batch outside the request: one PNG per
// card, streamed into a zip file on disk, at most Builds zips at a time with
// Parallelism encoders each. A batch's zip depends only on its codes and its QR
// base URL, so its file name carries a hash of them: a zip is built once and
// then served from disk, also by the other server processes sharing Dir.
type Exporter struct {
	cfg      ExporterConfig
	coder    interface{ Code(string, int64) string }
	recorder Recorder
	sem      chan struct{}

	mu   sync.Mutex
	jobs map[string]*exportJob
}

// exportJob is a zip being built; done closes when it is on disk or failed.
type exportJob struct {
	done  chan struct{}
	path  string
	count int
	err   error
}

// NewExporter returns an exporter writing to cfg.Dir (created if needed).
func NewExporter(cfg ExporterConfig, coder interface{ Code(string, int64) string }, recorder Recorder) (*Exporter, error) {
	if cfg.Dir == "" {
		return nil, errors.New("cards: exporter Dir is empty")
	}
	if cfg.Builds <= 0 {
		cfg.Builds = 1
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cards: exporter dir: %w", err)
	}
	// Temporary files of builds a crash interrupted.
	if old, _ := filepath.Glob(filepath.Join(cfg.Dir, "*.tmp")); len(old) > 0 {
		for _, f := range old {
			if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > time.Hour {
				_ = os.Remove(f)
			}
		}
	}
	return &Exporter{cfg: cfg, coder: coder, recorder: recorder, sem: make(chan struct{}, cfg.Builds), jobs: map[string]*exportJob{}}, nil
}

// zipFormat versions the zip's content; changing the images changes it.
const zipFormat = "qrzip/v1/M/8px"

// fileName names a batch's zip after a hash of everything its content
// depends on.
func fileName(b domain.Batch) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%s|%d|%d|%s", zipFormat, b.ID, b.BatchCode, b.StartID, b.EndID, b.QRCodeBaseURL)
	return "batch_" + strconv.FormatInt(b.ID, 10) + "_" + hex.EncodeToString(h.Sum(nil))[:16] + ".zip"
}

// Start returns the job that makes the batch's zip: done at once when the
// file exists, the running job when one is building it, otherwise a new one.
func (x *Exporter) Start(b domain.Batch) *exportJob {
	name := fileName(b)
	path := filepath.Join(x.cfg.Dir, name)
	x.mu.Lock()
	defer x.mu.Unlock()
	if j, ok := x.jobs[name]; ok {
		return j
	}
	j := &exportJob{done: make(chan struct{}), path: path, count: b.TotalQuantity}
	if _, err := os.Stat(path); err == nil {
		close(j.done)
		return j
	}
	x.jobs[name] = j
	go x.build(b, name, j)
	return j
}

func (x *Exporter) build(b domain.Batch, name string, j *exportJob) {
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
		_, err := x.recorder.RecordQRCodes(ctx, cmd.RecordQRCodes{Actor: access.System, BatchID: b.ID, Meta: eventlog.Metadata{CorrelationID: "qr-export-" + name},
			Generated: domain.QRCodesGenerated{GeneratedCount: b.TotalQuantity, File: name, SizeBytes: size, SHA256: sum}})
		if err != nil {
			x.cfg.Logger.Warn("card qr export: record failed", "batch", b.ID, "err", err)
		}
	}
}

// write streams the PNGs of the batch's cards into a zip at path.
func (x *Exporter) write(b domain.Batch, path string) (int64, string, error) {
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
					png, err := qrPNG(b.QRCodeBaseURL + code)
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

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
