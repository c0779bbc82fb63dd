package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// charts are the figures of one run drawn as SVG files beside the report,
// for the reader who looks rather than reads: the ratios to the run's own
// references as bars, and the card use's latency percentiles as lines.
type charts struct {
	// Ratios and Latency are the files' paths relative to the report.
	Ratios, Latency string
	// Mixed is figure 10's whole table of operations (Markdown), if run.
	Mixed string
}

// ratioBar is one bar of the ratio chart: a figure divided by its reference
// of the same run, with the target it is judged against (0: none).
type ratioBar struct {
	Label         string
	Ratio, Target float64
}

// ratioBars are the figures of res that have a reference in the same run.
func ratioBars(res *results) []ratioBar {
	single := med(res.Single)
	rows100 := med(each(res.Hundred, func(t float64) float64 { return t * 100 }))
	evps := each(res.Rebuild, func(r rebuildRun) float64 { return float64(res.LogEvents) / r.Elapsed.Seconds() })
	use := med(each(res.Use, useRun.rps))
	bars := []ratioBar{
		{"store alone / 1-row tx", med(res.StoreAppends) / single, 2},
		{"card use / 1-row tx", use / single, 1},
		{"rebuild / 100-row rows", rebuildRatio(evps, rows100), 0.5},
	}
	// Target 1 of issue 19: beside the CRUD peer (when it ran).
	for _, v := range peerVariants() {
		if pu := peerOf(res, v); len(pu) > 0 {
			target := 0.0
			if v == "cte" {
				target = 1
			}
			bars = append(bars, ratioBar{"card use / CRUD " + v, use / med(each(pu, useRun.rps)), target})
		}
	}
	return bars
}

// drawCharts writes the run's charts (and figure 10's table) next to report (the report file's
// directory, under bench/, named by the run's start) and returns their paths
// relative to it.
func drawCharts(report string, res *results) (charts, error) {
	dir := filepath.Join(filepath.Dir(report), "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return charts{}, fmt.Errorf("charts: %w", err)
	}
	stamp := res.Start.UTC().Format("20060102-1504")
	c := charts{Ratios: filepath.Join("bench", stamp+"-ratios.svg"), Latency: filepath.Join("bench", stamp+"-latency.svg")}
	if err := ratioChart(ratioBars(res), filepath.Join(filepath.Dir(report), c.Ratios)); err != nil {
		return charts{}, err
	}
	if err := latencyChart(res.Use, filepath.Join(filepath.Dir(report), c.Latency)); err != nil {
		return charts{}, err
	}
	if res.Mix != nil {
		c.Mixed = filepath.Join("bench", stamp+"-mixed.md")
		if err := os.WriteFile(filepath.Join(filepath.Dir(report), c.Mixed), []byte(mixTable(*res.Mix, res.LogEvents)), 0o644); err != nil {
			return charts{}, fmt.Errorf("figure 10's table: %w", err)
		}
	}
	return c, nil
}

// ratioChart draws bars as horizontal bars, each with its target as a
// marker, and a line at 1× (as fast as the reference).
func ratioChart(bars []ratioBar, path string) error {
	p := plot.New()
	p.Title.Text = "Ratios to the references of the same run (medians)"
	p.X.Label.Text = "× reference"
	values := make(plotter.Values, len(bars))
	labels := make([]string, len(bars))
	var targets plotter.XYs
	for i, b := range bars {
		values[i], labels[i] = b.Ratio, b.Label
		if b.Target > 0 {
			targets = append(targets, plotter.XY{X: b.Target, Y: float64(i)})
		}
	}
	bc, err := plotter.NewBarChart(values, vg.Points(18))
	if err != nil {
		return fmt.Errorf("charts: ratios: %w", err)
	}
	bc.Horizontal = true
	bc.Color = color.RGBA{R: 70, G: 110, B: 170, A: 255}
	bc.LineStyle.Width = 0
	p.Add(bc)
	if len(targets) > 0 {
		sc, err := plotter.NewScatter(targets)
		if err != nil {
			return fmt.Errorf("charts: targets: %w", err)
		}
		sc.GlyphStyle.Shape = draw.PyramidGlyph{}
		sc.GlyphStyle.Color = color.RGBA{R: 200, G: 60, B: 40, A: 255}
		sc.GlyphStyle.Radius = vg.Points(5)
		p.Add(sc)
		p.Legend.Add("target", sc)
	}
	ref, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(len(bars)) - 0.5}})
	if err != nil {
		return fmt.Errorf("charts: reference line: %w", err)
	}
	ref.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(ref)
	p.Legend.Add("1× = the reference", ref)
	p.Add(plotter.NewGrid())
	p.NominalY(labels...)
	p.X.Min = 0
	p.X.Max = max(1.2, slices.Max(values)*1.15)
	p.Legend.Top = true
	return save(p, path, 18*vg.Centimeter, vg.Length(4+2*len(bars))*vg.Centimeter)
}

// latencyChart draws the card use's latency, the server's deciding and
// appending, and the read-your-writes lag at percentiles 50 to 99.9, each
// run's as one line.
func latencyChart(runs []useRun, path string) error {
	p := plot.New()
	p.Title.Text = "Card use latency by percentile"
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "ms"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	ps := []float64{50, 75, 90, 95, 99, 99.5, 99.9}
	series := []struct {
		name string
		of   func(useRun) []float64
		col  color.RGBA
	}{
		{"request (client)", func(u useRun) []float64 { return u.Lat }, color.RGBA{R: 70, G: 110, B: 170, A: 255}},
		{"decide + append (server)", func(u useRun) []float64 { return u.Cmd }, color.RGBA{R: 60, G: 150, B: 80, A: 255}},
		{"read-your-writes lag", func(u useRun) []float64 { return u.RYW }, color.RGBA{R: 200, G: 60, B: 40, A: 255}},
	}
	for _, s := range series {
		for i, run := range runs {
			xs := s.of(run)
			if len(xs) == 0 {
				continue
			}
			pts := make(plotter.XYs, 0, len(ps))
			for _, q := range ps {
				if v := percentile(xs, q); v > 0 {
					pts = append(pts, plotter.XY{X: q, Y: v})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("charts: latency: %w", err)
			}
			l.Color = s.col
			p.Add(l)
			if i == 0 {
				p.Legend.Add(s.name, l)
			}
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	return save(p, path, 18*vg.Centimeter, 11*vg.Centimeter)
}

func save(p *plot.Plot, path string, w, h vg.Length) error {
	if err := p.Save(w, h, path); err != nil {
		return fmt.Errorf("charts: save %s: %w", path, err)
	}
	return nil
}
