package geo_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/fiveapis/backend/transport/models/geo"
)

// square is a closed square ring of side s grid units at (x, y).
func square(x, y, s int32) []geo.Point {
	return []geo.Point{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
}

func TestIndex(t *testing.T) {
	ix := geo.NewIndex([]geo.Region{
		{Province: "甲省", Rings: [][]geo.Point{square(0, 0, 10*geo.Scale)}},
		// A county with a hole (a lake) in it.
		{Province: "甲省", City: "乙市", County: "丙县", Rings: [][]geo.Point{square(geo.Scale, geo.Scale, 4*geo.Scale), square(2*geo.Scale, 2*geo.Scale, geo.Scale)}},
	})
	for _, c := range []struct {
		name     string
		lon, lat float64
		want     geo.Place
		ok       bool
	}{
		{"in the county", 1.5, 1.5, geo.Place{Province: "甲省", City: "乙市", County: "丙县"}, true},
		{"in the county's hole: only the province", 2.5, 2.5, geo.Place{Province: "甲省"}, true},
		{"in the province outside the county", 8, 8, geo.Place{Province: "甲省"}, true},
		{"outside everything", 20, 20, geo.Place{}, false},
		{"not a coordinate", 200, 0, geo.Place{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ix.Locate(c.lon, c.lat)
			if got != c.want || ok != c.ok {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, c.want, c.ok)
			}
		})
	}
	t.Run("Write and Read keep the index byte for byte", func(t *testing.T) {
		var a, b bytes.Buffer
		if err := ix.Write(&a); err != nil {
			t.Fatal(err)
		}
		ix2, err := geo.Read(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := ix2.Write(&b); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("rewrite differs (%v)", err)
		}
		if got, _ := ix2.Locate(1.5, 1.5); got.County != "丙县" {
			t.Fatalf("%+v", got)
		}
		if _, err := geo.Read(bytes.NewReader([]byte("garbage"))); err == nil {
			t.Fatal("garbage read")
		}
	})
	t.Run("Simplify drops points within the tolerance and repeats", func(t *testing.T) {
		ring := []geo.Point{{0, 0}, {5, 0}, {5, 0}, {10, 1}, {20, 0}, {20, 20}, {0, 20}, {0, 0}}
		got := geo.Simplify(ring, 2)
		want := []geo.Point{{0, 0}, {20, 0}, {20, 20}, {0, 20}, {0, 0}}
		if len(got) != len(want) {
			t.Fatalf("%v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%v", got)
			}
		}
	})
}

// The shipped boundaries place well-known spots in their county, city and
// province (names in simplified characters, municipalities their own city).
func TestEmbedded(t *testing.T) {
	ix, err := geo.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if st := ix.Stats(); st.Provinces != 34 || st.Counties < 3000 {
		t.Fatalf("%+v", st)
	}
	for _, c := range []struct {
		name     string
		lon, lat float64
		want     geo.Place
	}{
		{"天府广场", 104.0657, 30.6595, geo.Place{"四川省", "成都市", "青羊区"}},
		{"天安门", 116.3975, 39.9087, geo.Place{"北京市", "北京市", "东城区"}},
		{"外滩", 121.4737, 31.2304, geo.Place{"上海市", "上海市", "黄浦区"}},
		{"西湖", 120.15, 30.25, geo.Place{"浙江省", "杭州市", "西湖区"}},
		{"布达拉宫", 91.1172, 29.6469, geo.Place{"西藏自治区", "拉萨市", "城关区"}},
		{"台北101", 121.56, 25.03, geo.Place{"台湾省", "台北市", "信义区"}},
		{"尖沙咀", 114.17, 22.30, geo.Place{"香港特别行政区", "香港特别行政区", "油尖旺区"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ix.Locate(c.lon, c.lat)
			if !ok || got != c.want {
				t.Fatalf("got %+v %v, want %+v", got, ok, c.want)
			}
		})
	}
	t.Run("Tokyo is outside the data", func(t *testing.T) {
		if got, ok := ix.Locate(139.69, 35.68); ok {
			t.Fatalf("%+v", got)
		}
	})
}

// One index serves many goroutines at once.
func TestConcurrentLocate(t *testing.T) {
	ix, err := geo.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lon, lat, want := 104.0657, 30.6595, "青羊区"
			if i%2 == 1 {
				lon, lat, want = 116.3975, 39.9087, "东城区"
			}
			if got, ok := ix.Locate(lon, lat); !ok || got.County != want {
				errs <- got.County
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("got %q", e)
	}
}

// BenchmarkLocate: go test -run '^$' -bench Locate ./transport/models/geo/
func BenchmarkLocate(b *testing.B) {
	ix, err := geo.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	pts := [][2]float64{{104.0657, 30.6595}, {116.3975, 39.9087}, {87.62, 43.82}, {139.69, 35.68}}
	for i := 0; b.Loop(); i++ {
		p := pts[i%len(pts)]
		ix.Locate(p[0], p[1])
	}
}

// BenchmarkEmbedded: loading the shipped boundaries.
func BenchmarkEmbedded(b *testing.B) {
	for b.Loop() {
		if _, err := geo.Embedded(); err != nil {
			b.Fatal(err)
		}
	}
}
