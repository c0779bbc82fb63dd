package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/fiveapis/backend/domain/eventlog"
)

// progressFlag adds -progress to a long command's flags: auto (the default)
// draws a bar on stderr when stderr is a terminal, always draws it anyway
// (into a log file, say), never keeps stderr quiet.
func progressFlag(fs *flag.FlagSet) *string {
	return fs.String("progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always, never")
}

// showProgress tells whether mode asks for a bar on w.
func showProgress(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		f, ok := w.(*os.File)
		return ok && term.IsTerminal(int(f.Fd())), nil
	default:
		return false, fmt.Errorf("-progress: %q is not auto, always or never", mode)
	}
}

// logProgress is a bar over the global log, from its first event to its
// head when the command started: it advances with the commit position of
// the event the command has reached, so it measures the share of the log
// read whatever the filter (a filtered export skips events quickly, and its
// bar still moves). Its zero value (no bar) does nothing.
type logProgress struct {
	bar    *progressbar.ProgressBar
	events int64
	head   uint64
}

// newLogProgress starts a bar described by desc, or returns the zero value
// when mode asks for none. A store that cannot tell its head
// (eventlog.HeadReader) gets a spinner with the count of events instead.
func newLogProgress(ctx context.Context, store eventlog.Store, mode, desc string, w io.Writer) (*logProgress, error) {
	show, err := showProgress(mode, w)
	if err != nil || !show {
		return &logProgress{}, err
	}
	max := int64(-1)
	var head uint64
	if hr, ok := eventlog.Capability[eventlog.HeadReader](store); ok {
		h, err := hr.Head(ctx)
		if err != nil {
			return nil, fmt.Errorf("progress: head of the log: %w", err)
		}
		head, max = h.Commit, int64(h.Commit)
	}
	unit := "positions"
	if max < 0 {
		unit = "events"
	}
	return &logProgress{head: head, bar: newBar(max, desc, w, counting(unit)...)}, nil
}

// readProgress wraps r, of size bytes (-1 when unknown: a spinner), in a bar
// of the bytes read when mode asks for one; finish completes it.
func readProgress(r io.Reader, size int64, mode string, w io.Writer) (_ io.Reader, finish func(), _ error) {
	show, err := showProgress(mode, w)
	if err != nil || !show {
		return r, func() {}, err
	}
	bar := newBar(size, "import", w, progressbar.OptionShowBytes(true), progressbar.OptionShowTotalBytes(true))
	pr := progressbar.NewReader(r, bar)
	return &pr, func() { _ = bar.Finish() }, nil
}

// newBar is the bar of every logctl command: description, rate and time
// left, refreshed at most ten times a second, and options for its unit.
func newBar(max int64, desc string, w io.Writer, unit ...progressbar.Option) *progressbar.ProgressBar {
	return progressbar.NewOptions64(max, append([]progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}, unit...)...)
}

// counting is the unit option of a bar that counts its (log positions,
// events).
func counting(its string) []progressbar.Option {
	return []progressbar.Option{progressbar.OptionShowCount(), progressbar.OptionSetItsString(its), progressbar.OptionShowIts()}
}

// reached moves the bar to ev's position (nil p: no bar).
func (p *logProgress) reached(ev eventlog.RecordedEvent) {
	if p == nil || p.bar == nil {
		return
	}
	p.events++
	if p.head == 0 {
		_ = p.bar.Set64(p.events)
		return
	}
	_ = p.bar.Set64(int64(min(ev.Position.Commit, p.head)))
}

// done completes the bar (the command read to the end).
func (p *logProgress) done() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}

// positionBar is a bar over log positions up to a head that moves (a
// rebuild following a live log), or nil when mode asks for none.
type positionBar struct{ bar *progressbar.ProgressBar }

func newPositionBar(mode, desc string, w io.Writer) (*positionBar, error) {
	show, err := showProgress(mode, w)
	if err != nil || !show {
		return nil, err
	}
	return &positionBar{bar: newBar(1, desc, w, counting("positions")...)}, nil
}

// at shows reached out of head.
func (b *positionBar) at(reached, head eventlog.Position) {
	if b == nil {
		return
	}
	b.bar.ChangeMax64(int64(max(head.Commit, reached.Commit, 1)))
	_ = b.bar.Set64(int64(reached.Commit))
}

// done completes the bar.
func (b *positionBar) done() {
	if b != nil {
		_ = b.bar.Finish()
	}
}
