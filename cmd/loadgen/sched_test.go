package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSchedWaits reads the scheduler histogram as the server's /metrics
// serves it, twice, and describes what was sampled between the two reads.
func TestSchedWaits(t *testing.T) {
	counts := []uint64{10, 100, 200, 300, 900, 990, 999, 1000}
	bounds := []string{"6.4e-08", "6.4e-07", "7.168e-06", "8.192e-05", "0.0009175039999999999", "0.010485759999999998", "0.11744051199999998", "+Inf"}
	var scale uint64 = 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "# HELP go_sched_latencies_seconds Distribution of the time goroutines have spent in the scheduler in a runnable state before actually running.")
		fmt.Fprintln(w, "# TYPE go_sched_latencies_seconds histogram")
		for i, b := range bounds {
			fmt.Fprintf(w, "go_sched_latencies_seconds_bucket{le=%q} %d\n", b, scale*counts[i])
		}
		fmt.Fprintf(w, "go_sched_latencies_seconds_sum 1\ngo_sched_latencies_seconds_count %d\n", scale*counts[len(counts)-1])
		fmt.Fprintln(w, "# TYPE go_goroutines gauge\ngo_goroutines 12")
	}))
	defer srv.Close()
	c := newClient(srv.URL)
	ctx := context.Background()
	before, err := scrapeSched(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	scale = 3
	after, err := scrapeSched(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	d := after.sub(before)
	if d.total() != 2000 {
		t.Fatalf("total %d, want 2000", d.total())
	}
	share, bound := d.over(0.001)
	if math.Abs(share-0.1) > 1e-9 || math.Abs(bound-0.000917504) > 1e-12 {
		t.Errorf("over 1 ms: %v at %v, want 0.1 at 0.000917504", share, bound)
	}
	share, _ = d.over(0.011)
	if math.Abs(share-0.01) > 1e-9 {
		t.Errorf("over 10 ms: %v, want 0.01", share)
	}
	want := "of 2000 sampled moments a server goroutine became runnable, 10.00 % waited more than 0.92 ms for a core and 1.000 % more than 10.5 ms"
	if s := d.String(); !strings.HasPrefix(s, want) {
		t.Errorf("String() = %q, want prefix %q", s, want)
	}
	if s := (schedWaits{}).String(); s != "" {
		t.Errorf("no samples: %q, want empty", s)
	}
	if got := after.sub(schedWaits{Bounds: []float64{1}, Counts: []uint64{1}}); got.total() != 0 {
		t.Errorf("different buckets: total %d, want 0", got.total())
	}
}
