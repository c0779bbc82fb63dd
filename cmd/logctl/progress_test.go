package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/transport/pgtest"
)

// logctlStderr runs logctl and returns what it wrote to stderr.
func logctlStderr(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := run(ctx, args, getenv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("logctl %v: %v\n%s", args, err, errOut.String())
	}
	return errOut.String()
}

// TestProgressBars: export, import, verify and rebuild draw a bar on stderr
// with -progress always (auto draws one only on a terminal, so a test's
// buffer gets none), and reach 100 %; -progress never and auto keep stderr
// to the summary; an unknown mode is refused.
func TestProgressBars(t *testing.T) {
	t.Parallel()
	src, dst := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	seed(t, src)
	file := filepath.Join(t.TempDir(), "log.jsonl")
	complete := func(t *testing.T, stderr, desc string) {
		t.Helper()
		if !strings.Contains(stderr, desc) || !strings.Contains(stderr, "100%") {
			t.Errorf("no complete %q bar on stderr:\n%q", desc, stderr)
		}
	}
	t.Run("export", func(t *testing.T) {
		complete(t, logctlStderr(t, testEnv(src), "export", "-progress", "always", "-o", file), "export")
	})
	t.Run("import shows bytes", func(t *testing.T) {
		stderr := logctlStderr(t, testEnv(dst), "import", "-progress", "always", "-i", file)
		complete(t, stderr, "import")
		if !strings.Contains(stderr, "B/s") {
			t.Errorf("import bar without bytes: %q", stderr)
		}
	})
	t.Run("verify", func(t *testing.T) {
		complete(t, logctlStderr(t, testEnv(dst), "verify", "-progress", "always"), "verify")
	})
	t.Run("rebuild", func(t *testing.T) {
		stderr := logctlStderr(t, testEnv(dst), "rebuild", "-projection", "identity", "-run", "-wait", "-timeout", "60s", "-progress", "always")
		complete(t, stderr, "rebuild identity")
	})
	t.Run("never and auto off a terminal", func(t *testing.T) {
		for _, mode := range []string{"never", "auto"} {
			if stderr := logctlStderr(t, testEnv(src), "export", "-progress", mode, "-o", file); stderr != "exported 4 events\n" {
				t.Errorf("-progress %s: stderr %q", mode, stderr)
			}
		}
	})
	t.Run("unknown mode", func(t *testing.T) {
		if _, err := logctl(t, testEnv(src), "verify", "-progress", "sometimes"); err == nil || !strings.Contains(err.Error(), "-progress") {
			t.Errorf("-progress sometimes: %v", err)
		}
	})
}
