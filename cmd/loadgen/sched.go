package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// schedMetric is the Go runtime's /sched/latencies:seconds as the server's
// /metrics serves it: how long goroutines made runnable waited for a core
// (the runtime samples one transition in eight).
const schedMetric = "go_sched_latencies_seconds"

// schedWaits is a cumulative histogram of schedMetric: the count of
// sampled waits up to each bucket's upper bound, ascending.
type schedWaits struct {
	Bounds []float64 // seconds; the last is +Inf
	Counts []uint64
}

// scrapeSched reads schedMetric from the server's /metrics.
func scrapeSched(ctx context.Context, c *client) (schedWaits, error) {
	req, err := c.request(ctx, http.MethodGet, "/metrics", "", nil, nil)
	if err != nil {
		return schedWaits{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return schedWaits{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return schedWaits{}, fmt.Errorf("metrics: status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return schedWaits{}, fmt.Errorf("metrics: %w", err)
	}
	f := fams[schedMetric]
	if f == nil || len(f.GetMetric()) != 1 || f.GetMetric()[0].GetHistogram() == nil {
		return schedWaits{}, fmt.Errorf("metrics: no histogram %s", schedMetric)
	}
	var w schedWaits
	for _, b := range f.GetMetric()[0].GetHistogram().GetBucket() {
		w.Bounds = append(w.Bounds, b.GetUpperBound())
		w.Counts = append(w.Counts, b.GetCumulativeCount())
	}
	return w, nil
}

// sub is the waits sampled since before (same buckets), or the zero value
// when the buckets differ (the server restarted).
func (w schedWaits) sub(before schedWaits) schedWaits {
	if !slices.Equal(w.Bounds, before.Bounds) {
		return schedWaits{}
	}
	d := schedWaits{Bounds: w.Bounds, Counts: make([]uint64, len(w.Counts))}
	for i := range w.Counts {
		d.Counts[i] = w.Counts[i] - before.Counts[i]
	}
	return d
}

// total is the number of sampled waits.
func (w schedWaits) total() uint64 {
	if len(w.Counts) == 0 {
		return 0
	}
	return w.Counts[len(w.Counts)-1]
}

// over is the share (0–1) of sampled waits longer than the largest bucket
// bound at most limit seconds, and that bound.
func (w schedWaits) over(limit float64) (share, bound float64) {
	n := w.total()
	for i, b := range w.Bounds {
		if b <= limit {
			bound, share = b, float64(n-w.Counts[i])/float64(max(n, 1))
		}
	}
	return share, bound
}

// String describes the waits for a core in the report, or is empty when
// none were sampled.
func (w schedWaits) String() string {
	if w.total() == 0 {
		return ""
	}
	ms, msBound := w.over(0.001)
	ten, tenBound := w.over(0.011)
	return fmt.Sprintf("of %d sampled moments a server goroutine became runnable, %.2f %% waited more than %.2f ms for a core and %.3f %% more than %.1f ms (Go's /sched/latencies:seconds, in the buckets /metrics serves)",
		w.total(), 100*ms, 1000*msBound, 100*ten, 1000*tenBound)
}
