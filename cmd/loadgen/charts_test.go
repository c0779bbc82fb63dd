package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDrawCharts draws the charts of a made-up run and checks that both are
// well-formed SVG files under bench/ beside the report, named by the run's
// start, holding every bar's label.
func TestDrawCharts(t *testing.T) {
	dir := t.TempDir()
	lat := []float64{1, 1.2, 1.5, 2, 3, 5, 8, 13, 21, 34}
	res := &results{
		Start:  time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC),
		Single: []float64{10000, 11000, 9000}, Hundred: []float64{900, 1000, 1100},
		StoreAppends: []float64{15000, 16000, 14000},
		Use: []useRun{{OK: 30000, Elapsed: 10 * time.Second, Lat: lat, RYW: lat, Cmd: lat},
			{OK: 31000, Elapsed: 10 * time.Second, Lat: lat, RYW: lat, Cmd: lat}},
		LogEvents: 1_000_000, Rebuild: []rebuildRun{{Elapsed: 40 * time.Second}},
	}
	ch, err := drawCharts(filepath.Join(dir, "benchmarks.md"), res)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Ratios != "bench/20261204-1030-ratios.svg" || ch.Latency != "bench/20261204-1030-latency.svg" {
		t.Fatalf("paths %+v", ch)
	}
	for _, f := range []string{ch.Ratios, ch.Latency} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			XMLName xml.Name
		}
		if err := xml.Unmarshal(b, &doc); err != nil || doc.XMLName.Local != "svg" {
			t.Errorf("%s: not an SVG document (%v, <%s>)", f, err, doc.XMLName.Local)
		}
	}
	ratios, _ := os.ReadFile(filepath.Join(dir, ch.Ratios))
	for _, b := range ratioBars(res) {
		if !strings.Contains(string(ratios), b.Label) {
			t.Errorf("ratio chart lacks %q", b.Label)
		}
	}
	if got := ratioBars(res)[1].Ratio; got < 0.304 || got > 0.306 { // a median of 3,000 and 3,100 uses/s over 10,000 tx/s
		t.Errorf("card use ratio %.3f", got)
	}
}
