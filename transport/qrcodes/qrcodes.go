// Package qrcodes renders the QR codes of cards (seed 002): one card's code
// as a PNG image, and a batch's codes as a zip of PNGs built off the request
// into a directory on disk, shared by the server processes. The card API
// reaches it through the port it declares (transport/httpapi/cards.QRCodes);
// what it needs of the card commands, recording a built zip, is its own port
// (Recorder), connected by the wiring.
package qrcodes

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Config configures the exporter.
type Config struct {
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

// Coder makes a card's code from its batch code and id (*cards.CodeSigner).
type Coder interface {
	Code(batchCode string, id int64) string
}

// Recorder records a built zip in its batch's history (the wiring connects
// it to the card commands' RecordQRCodes).
type Recorder interface {
	RecordQRCodes(ctx context.Context, batchID int64, generated cards.QRCodesGenerated, meta eventlog.Metadata) error
}

// RecorderFunc is a Recorder made of a function.
type RecorderFunc func(ctx context.Context, batchID int64, generated cards.QRCodesGenerated, meta eventlog.Metadata) error

// RecordQRCodes calls f.
func (f RecorderFunc) RecordQRCodes(ctx context.Context, batchID int64, generated cards.QRCodesGenerated, meta eventlog.Metadata) error {
	return f(ctx, batchID, generated, meta)
}

// Exporter builds the QR code zip of a batch outside the request: one PNG per
// card, streamed into a zip file on disk, at most Builds zips at a time with
// Parallelism encoders each. A batch's zip depends only on its codes and its
// QR base URL, so its file name carries a hash of them: a zip is built once
// and then served from disk, also by the other server processes sharing Dir.
type Exporter struct {
	cfg      Config
	coder    Coder
	recorder Recorder
	sem      chan struct{}
	png      png.Encoder // newPNGEncoder's

	mu   sync.Mutex
	jobs map[string]*job
}

// New returns an exporter writing to cfg.Dir (created if needed). recorder
// may be nil (built zips are not recorded).
func New(cfg Config, coder Coder, recorder Recorder) (*Exporter, error) {
	if cfg.Dir == "" {
		return nil, errors.New("qrcodes: Dir is empty")
	}
	if coder == nil {
		return nil, errors.New("qrcodes: Coder is required")
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
		return nil, fmt.Errorf("qrcodes: zip directory: %w", err)
	}
	removeStaleTemporaries(cfg.Dir, time.Hour)
	return &Exporter{cfg: cfg, coder: coder, recorder: recorder, sem: make(chan struct{}, cfg.Builds), png: newPNGEncoder(), jobs: map[string]*job{}}, nil
}

// removeStaleTemporaries removes the temporary files of builds a crash
// interrupted: those older than age (a younger one may be another process's
// build under way).
func removeStaleTemporaries(dir string, age time.Duration) {
	old, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	for _, f := range old {
		if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > age {
			_ = os.Remove(f)
		}
	}
}
