// Package browsertest starts a headless Chromium for the tests of the pages
// the server renders (the clock-in display page, the operator console),
// through chromedp. A test on a machine without Chromium runs .ci/chromium.sh
// (which installs Debian's package when it may) and skips with a message
// when there is still none.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// names are the binaries looked for on PATH, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"}

// Chromium returns a Chromium or Chrome binary, running .ci/chromium.sh
// (found above the test's directory) when none is on PATH; it skips the
// test when there is still none.
func Chromium(t testing.TB) string {
	t.Helper()
	look := func() string {
		for _, b := range names {
			if p, err := exec.LookPath(b); err == nil {
				return p
			}
		}
		return ""
	}
	if p := look(); p != "" {
		return p
	}
	script, err := ciScript()
	if err != nil {
		t.Skipf("no Chromium on PATH (%v), and no .ci/chromium.sh to install one: %v", names, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", script).CombinedOutput()
	if p := look(); p != "" {
		return p
	}
	t.Skipf("no Chromium for the browser test, and %s could not install one (%v): %s", script, err, out)
	return ""
}

// ciScript finds .ci/chromium.sh in the module root above the working
// directory (a test runs in its package's directory).
func ciScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".ci", "chromium.sh"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Options are the allocator options of a headless Chromium that works on
// the test machines (no sandbox, no GPU, no QUIC, no background traffic)
// with a fresh profile in userDataDir.
func Options(browser, userDataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userDataDir))
}

// Start starts a headless Chromium for the test (skipping it when there is
// none) and returns a tab's context; the browser stops when the test ends.
func Start(t testing.TB) context.Context {
	t.Helper()
	browser := Chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), Options(browser, t.TempDir())...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", browser, err)
	}
	return ctx
}
