package modelshttp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// picture reads the "image" part and takes it only once it decodes
// (imagecheck.Check, as avatars): missing, too large, not a picture or too
// many pixels each refuse with their own message.
func picture(c echo.Context) ([]byte, imagecheck.Checked, error) {
	fh, err := c.FormFile("image")
	if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) || (err == nil && fh.Size > MaxImageBytes) {
		return nil, imagecheck.Checked{}, travel.Refusal(fmt.Sprintf("image 文件过大,最多 %d MiB", MaxImageBytes>>20))
	}
	if err != nil {
		return nil, imagecheck.Checked{}, travel.Refusal("未获取到image")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, imagecheck.Checked{}, travel.Refusal("未获取到image")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	if err != nil || len(data) == 0 {
		return nil, imagecheck.Checked{}, travel.Refusal("未获取到image")
	}
	checked, err := imagecheck.Check(data, imagecheck.MaxPixels)
	var pixels imagecheck.TooManyPixelsError
	switch {
	case errors.As(err, &pixels):
		return nil, checked, travel.Refusal(fmt.Sprintf("image 尺寸过大(%d×%d),最多 %d 像素", pixels.Width, pixels.Height, pixels.Max))
	case err != nil:
		return nil, checked, travel.Refusal("image 不是可以读取的图片(JPEG、PNG、GIF 或 WebP)")
	}
	return data, checked, nil
}

// intField reads an optional whole number: absent or blank gives def; a
// value that is not one of allowed refuses with msg.
func intField(c echo.Context, name string, def int, msg string, allowed func(int) bool) (int, error) {
	s := strings.TrimSpace(c.FormValue(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || !allowed(n) {
		return 0, travel.Refusal(msg)
	}
	return n, nil
}

// fromApp tells the Travellog app (OkHttp's User-Agent) from the document's
// clients where their answers cannot coexist (/api/color).
func fromApp(c echo.Context) bool {
	return strings.HasPrefix(strings.ToLower(c.Request().Header.Get("User-Agent")), "okhttp/")
}

// color: POST image, k (default 3) → the k dominant colours. The document
// answers the bare list [[r,g,b]…], the app reads {"k", "result"}.
func (h *Handlers) color(c echo.Context) error {
	k, err := intField(c, "k", 3, "k 须为 1 到 16 之间的整数", func(n int) bool { return n >= 1 && n <= 16 })
	if err != nil {
		return err
	}
	data, _, err := picture(c)
	if err != nil {
		return err
	}
	sw, err := h.d.Colours.Dominant(data, k)
	if err != nil {
		return travel.Refusal("image 中没有可以提取的颜色")
	}
	result := make([][3]float64, len(sw))
	for i, s := range sw {
		result[i] = [3]float64{s.R, s.G, s.B}
	}
	if fromApp(c) {
		return travel.OK(c, "获取成功", map[string]any{"k": k, "result": result})
	}
	return travel.OK(c, "获取成功", result)
}

// poemOptions reads length, experience and history with the document's
// defaults (5, 1, 0).
func poemOptions(c echo.Context) (length, experience, history int, err error) {
	if length, err = intField(c, "length", 5, "length 须为 5 或 7", func(n int) bool { return n == 5 || n == 7 }); err != nil {
		return
	}
	if experience, err = intField(c, "experience", 1, "experience 须为 -1、0、1 或 2", func(n int) bool { return n >= -1 && n <= 2 }); err != nil {
		return
	}
	history, err = intField(c, "history", 0, "history 须为 -1、0 或 1", func(n int) bool { return n >= -1 && n <= 1 })
	return
}

// hasHan tells whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// seed draws a poem's seed.
func (h *Handlers) seed() uint64 {
	if h.d.Seed == nil {
		return 0
	}
	return h.d.Seed()
}

// PoemsPerAnswer is how many poems /api/poem writes (the document's
// example has two).
const PoemsPerAnswer = 2

// poem: POST keyword, length, experience, history → two poems, each its
// lines joined by "\n".
func (h *Handlers) poem(c echo.Context) error {
	keyword := strings.TrimSpace(c.FormValue("keyword"))
	if keyword == "" {
		return travel.Refusal("未获取到keyword")
	}
	if !hasHan(keyword) {
		return travel.Refusal("keyword 须含汉字")
	}
	length, experience, history, err := poemOptions(c)
	if err != nil {
		return err
	}
	seed := h.seed()
	out := make([]string, 0, PoemsPerAnswer)
	for i := range PoemsPerAnswer {
		p, err := h.d.Poet.Write(PoemRequest{Keywords: strings.Fields(keyword), Length: length, Experience: experience, History: history, Seed: seed + uint64(i)})
		if err != nil {
			return fmt.Errorf("write poem: %w", err)
		}
		out = append(out, strings.Join(p.Lines, "\n"))
	}
	return travel.OK(c, "获取成功", out)
}

// list reads a list field as the document ("a,b") or the app ("[a, b]")
// sends it.
func list(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' }) {
		if f = strings.Trim(strings.TrimSpace(f), `"'`); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// detected is one object the client detected, with its probability.
type detected struct {
	word string
	p    float64
}

// objects reads types and values (parallel lists) into Chinese words, the
// most probable first; English labels of the app's detector (COCO) are
// translated, other words without a Chinese character are dropped.
func objects(c echo.Context) ([]detected, error) {
	types, values := list(c.FormValue("types")), list(c.FormValue("values"))
	if len(values) > 0 && len(values) != len(types) {
		return nil, travel.Refusal("types 与 values 数量不一致")
	}
	if len(types) > 64 {
		return nil, travel.Refusal("types 最多 64 项")
	}
	var out []detected
	seen := map[string]bool{}
	for i, t := range types {
		p := 1.0
		if len(values) > 0 {
			v, err := strconv.ParseFloat(values[i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, travel.Refusal("values 须为数字")
			}
			p = v
		}
		w := t
		if zh, ok := cocoWord(strings.ToLower(t)); ok {
			w = zh
		}
		if !hasHan(w) || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, detected{w, p})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].p > out[j].p })
	return out, nil
}

// img2poem: POST image (the app; optional), keyword (the document; optional
// when types are given), types and values (objects the client detected),
// length, experience, history → {"poem", "keywords"}. The words placed are
// the keyword, the weather the model server sees in the picture (when one
// is configured), the detected objects by probability, then the picture's
// dominant colour words; "keywords" are those placed, space-separated.
func (h *Handlers) img2poem(c echo.Context) error {
	length, experience, history, err := poemOptions(c)
	if err != nil {
		return err
	}
	found, err := objects(c)
	if err != nil {
		return err
	}
	var words []string
	if kw := strings.TrimSpace(c.FormValue("keyword")); kw != "" {
		if !hasHan(kw) {
			return travel.Refusal("keyword 须含汉字")
		}
		words = append(words, strings.Fields(kw)...)
	}
	var colourWords []string
	if _, err := c.FormFile("image"); err == nil {
		data, _, err := picture(c)
		if err != nil {
			return err
		}
		if h.d.Models != nil {
			if w, err := h.d.Models.Weather(c.Request().Context(), data); err == nil {
				if zh, ok := weatherWord(w.Weather); ok {
					words = append(words, zh)
				}
			}
		}
		if sw, err := h.d.Colours.Dominant(data, 3); err == nil {
			for _, s := range sw {
				colourWords = append(colourWords, s.Name)
			}
		}
	}
	for _, d := range found {
		words = append(words, d.word)
	}
	for _, w := range colourWords {
		if len(words) >= 4 {
			break
		}
		if !contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return travel.Refusal("未获取到keyword")
	}
	p, err := h.d.Poet.Write(PoemRequest{Keywords: words, Length: length, Experience: experience, History: history, Seed: h.seed()})
	if err != nil {
		return fmt.Errorf("write poem: %w", err)
	}
	return travel.OK(c, "获取成功", map[string]string{"poem": strings.Join(p.Lines, "\n"), "keywords": strings.Join(p.Keywords, " ")})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// MaxPoints bounds the points of one /api/location request.
const MaxPoints = 500

// placeJSON is a place as the document and the app read it.
type placeJSON struct {
	Province string `json:"province"`
	City     string `json:"city"`
	County   string `json:"county"`
	Image    string `json:"image"`
}

// coords reads the comma-separated longitudes and latitudes.
func coords(c echo.Context) ([][2]float64, error) {
	lons, lats := list(c.FormValue("longitude")), list(c.FormValue("latitude"))
	if len(lons) == 0 {
		return nil, travel.Refusal("未获取到longitude")
	}
	if len(lats) == 0 {
		return nil, travel.Refusal("未获取到latitude")
	}
	if len(lons) != len(lats) {
		return nil, travel.Refusal("longitude 与 latitude 数量不一致")
	}
	if len(lons) > MaxPoints {
		return nil, travel.Refusal(fmt.Sprintf("一次最多解析 %d 个坐标", MaxPoints))
	}
	out := make([][2]float64, len(lons))
	for i := range lons {
		lon, err1 := strconv.ParseFloat(lons[i], 64)
		lat, err2 := strconv.ParseFloat(lats[i], 64)
		if err1 != nil || err2 != nil || math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return nil, travel.Refusal("坐标须为经度 -180~180、纬度 -90~90 的数字")
		}
		out[i] = [2]float64{lon, lat}
	}
	return out, nil
}

func (h *Handlers) place(p [2]float64) (placeJSON, bool) {
	pl, ok := h.d.Places.Locate(p[0], p[1])
	return placeJSON{Province: pl.Province, City: pl.City, County: pl.County}, ok
}

// locationOne: GET longitude, latitude (the document) → one place; a point
// outside the data is refused.
func (h *Handlers) locationOne(c echo.Context) error {
	pts, err := coords(c)
	if err != nil {
		return err
	}
	if len(pts) != 1 {
		return travel.Refusal("GET 只解析一个坐标,多个请用 POST")
	}
	p, ok := h.place(pts[0])
	if !ok {
		return travel.Refusal("坐标不在可解析的范围(中国)内")
	}
	return travel.OK(c, "获取成功", p)
}

// locationMany: POST longitude, latitude as comma-separated lists (the
// app) → one place per point, in order; a point outside the data has empty
// names.
func (h *Handlers) locationMany(c echo.Context) error {
	pts, err := coords(c)
	if err != nil {
		return err
	}
	out := make([]placeJSON, len(pts))
	for i, pt := range pts {
		out[i], _ = h.place(pt)
	}
	return travel.OK(c, "获取成功", out)
}

// noModelServer is the refusal of weather, style and fsrcnn without one.
const noModelServer = "本服务器未配置模型服务器,无法使用该模型"

// modelError words a model server's error: its refusal's reason, or that it
// is unavailable.
func modelError(err error) error {
	var rej interface{ RejectReason() string }
	if errors.As(err, &rej) {
		return travel.Refusal("模型服务器拒绝了该图片：" + rej.RejectReason())
	}
	return travel.Refusal("模型服务器暂时不可用,请稍后再试")
}

// weather: POST image → {"weather", "weather_id", "tags", "rate"} from the
// model server.
func (h *Handlers) weather(c echo.Context) error {
	data, _, err := picture(c)
	if err != nil {
		return err
	}
	if h.d.Models == nil {
		return travel.Refusal(noModelServer)
	}
	w, err := h.d.Models.Weather(c.Request().Context(), data)
	if err != nil {
		return modelError(err)
	}
	return travel.OK(c, "获取成功", map[string]any{"weather": w.Weather, "weather_id": w.WeatherID, "tags": w.Tags, "rate": w.Rate})
}

// style: POST image, style (optional) → the stylised JPEG, base64.
func (h *Handlers) style(c echo.Context) error {
	data, _, err := picture(c)
	if err != nil {
		return err
	}
	if h.d.Models == nil {
		return travel.Refusal(noModelServer)
	}
	out, err := h.d.Models.Style(c.Request().Context(), data, strings.TrimSpace(c.FormValue("style")))
	if err != nil {
		return modelError(err)
	}
	return travel.OK(c, "获取成功", base64.StdEncoding.EncodeToString(out))
}

// fsrcnn: POST image, scale (2, 3 or 4; default 3) → the enlarged JPEG,
// base64. The enlarged picture may not exceed imagecheck.MaxPixels.
func (h *Handlers) fsrcnn(c echo.Context) error {
	scale, err := intField(c, "scale", 3, "缩放倍数错误", func(n int) bool { return n >= 2 && n <= 4 })
	if err != nil {
		return err
	}
	data, _, err := picture(c)
	if err != nil {
		return err
	}
	if w, hgt, ok := size(data); ok && w*scale*hgt*scale > imagecheck.MaxPixels {
		return travel.Refusal(fmt.Sprintf("放大 %d 倍后超过 %d 像素", scale, imagecheck.MaxPixels))
	}
	if h.d.Models == nil {
		return travel.Refusal(noModelServer)
	}
	out, err := h.d.Models.FSRCNN(c.Request().Context(), data, scale)
	if err != nil {
		return modelError(err)
	}
	return travel.OK(c, "获取成功", base64.StdEncoding.EncodeToString(out))
}
