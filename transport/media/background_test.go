package media

import (
	"context"
	"errors"
	"image/color"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/albums"
)

// TestBackgroundRunsNiced: a program run by background runs at ffmpegNice
// (field 19 of /proc/<pid>/stat, read by the program itself once it has
// started), and a failure says what it wrote to standard error.
func TestBackgroundRunsNiced(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	out, err := background(exec.Command("sh", "-c", "sleep 0.2; cut -d' ' -f19 /proc/$$/stat"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "10" {
		t.Errorf("nice %q, want 10", got)
	}
	_, err = background(exec.Command("sh", "-c", "echo broken input >&2; exit 3"))
	if err == nil || !strings.Contains(err.Error(), "broken input") {
		t.Errorf("failure: %v", err)
	}
}

// slotGate is a Gate of one slot that counts how often it was taken and
// how many held it at once.
type slotGate struct {
	slot        chan struct{}
	mu          sync.Mutex
	taken, held int
	most        int
}

func (g *slotGate) Acquire(ctx context.Context, _ int64) error {
	select {
	case g.slot <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.taken++
	g.held++
	g.most = max(g.most, g.held)
	return nil
}

func (g *slotGate) Release(int64) {
	g.mu.Lock()
	g.held--
	g.mu.Unlock()
	<-g.slot
}

// TestRendersHoldTheCPUGate: every CPU-heavy step of a long image and of
// an album (each picture, the composed image, the cover) and a picture's
// analysis hold the gate while they run and free it after; one that cannot
// get the gate fails with its context.
func TestRendersHoldTheCPUGate(t *testing.T) {
	gate := &slotGate{slot: make(chan struct{}, 1)}
	r := NewRenderer(Config{Width: 160, Slide: 100 * time.Millisecond, CPU: gate})
	if r.err != nil {
		t.Skipf("no caption font: %v (.ci/ffmpeg.sh installs fonts-wqy-microhei)", r.err)
	}
	pic := picture(t, 120, 90, color.RGBA{40, 90, 160, 255})
	slides := []albums.Slide{{Image: pic, Caption: "湖"}, {Image: pic}, {Image: pic, Caption: "山"}}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := r.LongImage(ctx, "西湖", "spring", slides); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if gate.taken != 3*(len(slides)+2) || gate.most != 1 || gate.held != 0 {
		t.Errorf("long images: gate taken %d times (want %d), at most %d at once, %d still held",
			gate.taken, 3*(len(slides)+2), gate.most, gate.held)
	}
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		gate.taken = 0
		if _, err := r.Movie(ctx, "西湖", "spring", 10, slides); err != nil {
			t.Fatal(err)
		}
		if gate.taken != len(slides)+1 || gate.held != 0 {
			t.Errorf("album: gate taken %d times (want %d), %d still held", gate.taken, len(slides)+1, gate.held)
		}
	}
	gate.taken = 0
	if _, err := (Analyser{CPU: gate}).Analyse(ctx, pic); err != nil || gate.taken != 1 || gate.held != 0 {
		t.Errorf("analysis: %v; gate taken %d times (want 1), %d still held", err, gate.taken, gate.held)
	}
	gate.slot <- struct{}{} // the gate is full
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := r.LongImage(short, "", "", slides); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("behind a full gate: %v, want the deadline", err)
	}
	if _, err := (Analyser{CPU: gate}).Analyse(short, pic); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("analysis behind a full gate: %v, want the deadline", err)
	}
	<-gate.slot
}
