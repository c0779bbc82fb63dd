package modelshttp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/imagechecktest"
	"github.com/fiveapis/backend/transport/models/modelserver/standin"
)

// okhttp is the Travellog app's User-Agent.
const okhttp = "okhttp/3.12.0"

// envelope is 004's answer.
type envelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

type caller struct {
	t *testing.T
	s *apptest.Server
}

// send sends req and decodes the envelope; every answer is HTTP 200 JSON.
func (c caller) send(req *http.Request) envelope {
	c.t.Helper()
	resp, err := c.s.Client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e envelope
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &e) != nil {
		c.t.Fatalf("%s %s: %d %.300s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return e
}

// multipartReq posts fields and, when image is not nil, the "image" part.
func (c caller) multipart(path, ua string, fields map[string]string, img []byte) envelope {
	c.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if img != nil {
		fw, _ := w.CreateFormFile("image", "/storage/emulated/0/DCIM/a.jpg")
		_, _ = fw.Write(img)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	return c.send(req)
}

func (c caller) form(method, path string, fields url.Values) envelope {
	c.t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		req, _ = http.NewRequest(method, c.s.URL+path+"?"+fields.Encode(), nil)
	} else {
		req, _ = http.NewRequest(method, c.s.URL+path, strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", okhttp)
	return c.send(req)
}

func refused(t *testing.T, e envelope, msg string) {
	t.Helper()
	if e.Code != 403 || e.Msg != msg || string(e.Data) != "null" {
		t.Fatalf("got %d %q %s, want 403 %q", e.Code, e.Msg, e.Data, msg)
	}
}

func ok(t *testing.T, e envelope, v any) {
	t.Helper()
	if e.Code != 200 || e.Msg != "获取成功" {
		t.Fatalf("got %d %q %s", e.Code, e.Msg, e.Data)
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		t.Fatalf("data %s: %v", e.Data, err)
	}
}

// landscape paints a PNG: a sky of skyColour over red earth (3:1) and a
// white band.
func landscape(t *testing.T, sky color.NRGBA) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			c := sky
			switch {
			case y >= 70:
				c = color.NRGBA{250, 250, 250, 255}
			case y >= 40:
				c = color.NRGBA{190, 40, 30, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var blueSky = color.NRGBA{80, 140, 230, 255}

// flat is a grey w×h PNG (small however large).
func flat(t *testing.T, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func hanLines(t *testing.T, poem string, length int) []string {
	t.Helper()
	lines := strings.Split(poem, "\n")
	if len(lines) != 4 {
		t.Fatalf("%q: %d lines", poem, len(lines))
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) != length {
			t.Fatalf("%q: line %q is not %d characters", poem, l, length)
		}
	}
	return lines
}

func TestModelEndpoints(t *testing.T) {
	t.Parallel()
	models := httptest.NewServer(standin.Handler())
	defer models.Close()
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.Travel.ModelServerURL = models.URL }))
	c := caller{t: t, s: s}
	pic := landscape(t, blueSky)

	t.Run("color: the document gets the bare list of k colours, the most common first", func(t *testing.T) {
		c.t = t
		var got [][3]float64
		ok(t, c.multipart("/api/color", "", map[string]string{"k": "3"}, pic), &got)
		if len(got) != 3 || got[0][0] > 100 || got[0][2] < 200 || got[1][0] < 150 || got[2][1] < 240 {
			t.Fatalf("%v", got)
		}
	})
	t.Run("color: the app (OkHttp) gets {k, result}; k defaults to 3", func(t *testing.T) {
		c.t = t
		var got struct {
			K      int          `json:"k"`
			Result [][3]float64 `json:"result"`
		}
		ok(t, c.multipart("/api/color/", okhttp, nil, pic), &got)
		if got.K != 3 || len(got.Result) != 3 {
			t.Fatalf("%+v", got)
		}
	})
	for _, tc := range []struct {
		name   string
		fields map[string]string
		img    []byte
		msg    string
	}{
		{"no image", nil, nil, "未获取到image"},
		{"text", nil, []byte("hello, not a picture"), "image 不是可以读取的图片(JPEG、PNG、GIF 或 WebP)"},
		{"a truncated PNG", nil, imagechecktest.NoisyPNG(t, 64, 64)[:300], "image 不是可以读取的图片(JPEG、PNG、GIF 或 WebP)"},
		{"a 30000×30000 header", nil, imagechecktest.PNGHeader(30000, 30000, bytes.Repeat([]byte{0}, 64)), "image 尺寸过大(30000×30000),最多 16777216 像素"},
		{"a file over 8 MiB", nil, append(append([]byte{}, pic...), make([]byte, 8<<20)...), "image 文件过大,最多 8 MiB"},
		{"k 0", map[string]string{"k": "0"}, pic, "k 须为 1 到 16 之间的整数"},
		{"k text", map[string]string{"k": "three"}, pic, "k 须为 1 到 16 之间的整数"},
	} {
		t.Run("color refuses "+tc.name, func(t *testing.T) {
			c.t = t
			refused(t, c.multipart("/api/color", okhttp, tc.fields, tc.img), tc.msg)
		})
	}
	t.Run("color refuses a GET", func(t *testing.T) {
		c.t = t
		refused(t, c.form(http.MethodGet, "/api/color", nil), "请使用 POST 请求")
	})

	t.Run("poem: two poems of four 7-character lines holding the keyword", func(t *testing.T) {
		c.t = t
		var got []string
		ok(t, c.form(http.MethodPost, "/api/poem", url.Values{"keyword": {"明月"}, "length": {"7"}, "experience": {"0"}, "history": {"1"}}), &got)
		if len(got) != 2 || got[0] == got[1] {
			t.Fatalf("%q", got)
		}
		for _, p := range got {
			if !strings.Contains(hanLines(t, p, 7)[0], "明月") {
				t.Fatalf("%q lacks the keyword", p)
			}
		}
	})
	t.Run("poem: length defaults to 5", func(t *testing.T) {
		c.t = t
		var got []string
		ok(t, c.form(http.MethodPost, "/api/poem/", url.Values{"keyword": {"秋"}}), &got)
		hanLines(t, got[0], 5)
	})
	for _, tc := range []struct {
		name   string
		fields url.Values
		msg    string
	}{
		{"no keyword", url.Values{"length": {"5"}}, "未获取到keyword"},
		{"a keyword without Chinese", url.Values{"keyword": {"moon"}}, "keyword 须含汉字"},
		{"length 6", url.Values{"keyword": {"月"}, "length": {"6"}}, "length 须为 5 或 7"},
		{"experience 3", url.Values{"keyword": {"月"}, "experience": {"3"}}, "experience 须为 -1、0、1 或 2"},
		{"history 2", url.Values{"keyword": {"月"}, "history": {"2"}}, "history 须为 -1、0 或 1"},
	} {
		t.Run("poem refuses "+tc.name, func(t *testing.T) {
			c.t = t
			refused(t, c.form(http.MethodPost, "/api/poem", tc.fields), tc.msg)
		})
	}
	t.Run("poem: GET is the document's HTML test form", func(t *testing.T) {
		resp, err := s.Client.Get(s.URL + "/api/poem")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), `name="keyword"`) {
			t.Fatalf("%d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})

	t.Run("img2poem: the app's picture and detected objects (COCO labels) become the poem's words", func(t *testing.T) {
		c.t = t
		var got struct {
			Poem     string `json:"poem"`
			Keywords string `json:"keywords"`
		}
		ok(t, c.multipart("/api/img2poem", okhttp, map[string]string{"types": "[person, boat]", "values": "[0.4, 0.9]", "length": "7"}, pic), &got)
		lines := hanLines(t, got.Poem, 7)
		// The weather of the stand-in model server first, then the objects
		// by probability, then a colour of the picture.
		if got.Keywords != "晴 舟 人 蓝" {
			t.Fatalf("keywords %q", got.Keywords)
		}
		for i, w := range strings.Fields(got.Keywords) {
			if !strings.Contains(lines[i], w) {
				t.Fatalf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	})
	t.Run("img2poem: the document's keyword, types and values without a picture", func(t *testing.T) {
		c.t = t
		var got struct {
			Poem     string `json:"poem"`
			Keywords string `json:"keywords"`
		}
		ok(t, c.form(http.MethodPost, "/api/img2poem", url.Values{"keyword": {"晴"}, "types": {"桶,房屋"}, "values": {"0.3,0.8"}}), &got)
		hanLines(t, got.Poem, 5)
		if got.Keywords != "晴 房屋 桶" {
			t.Fatalf("keywords %q", got.Keywords)
		}
	})
	for _, tc := range []struct {
		name   string
		fields url.Values
		msg    string
	}{
		{"types and values of different lengths", url.Values{"types": {"山,水"}, "values": {"0.5"}}, "types 与 values 数量不一致"},
		{"values that are not numbers", url.Values{"types": {"山"}, "values": {"NaN"}}, "values 须为数字"},
		{"nothing to write about", url.Values{"types": {"[car2, x]"}}, "未获取到keyword"},
	} {
		t.Run("img2poem refuses "+tc.name, func(t *testing.T) {
			c.t = t
			refused(t, c.form(http.MethodPost, "/api/img2poem", tc.fields), tc.msg)
		})
	}

	type place struct{ Province, City, County, Image string }
	t.Run("location: GET one point (the document) answers one place", func(t *testing.T) {
		c.t = t
		var got place
		ok(t, c.form(http.MethodGet, "/api/location", url.Values{"longitude": {"104.0657"}, "latitude": {"30.6595"}}), &got)
		if got != (place{"四川省", "成都市", "青羊区", ""}) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("location: POST comma-separated lists (the app) answers a place per point, empty outside China", func(t *testing.T) {
		c.t = t
		var got []place
		ok(t, c.form(http.MethodPost, "/api/location", url.Values{"longitude": {"116.3975,139.69,121.4737"}, "latitude": {"39.9087,35.68,31.2304"}}), &got)
		want := []place{{"北京市", "北京市", "东城区", ""}, {}, {"上海市", "上海市", "黄浦区", ""}}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("%+v", got)
		}
	})
	for _, tc := range []struct {
		name, method string
		fields       url.Values
		msg          string
	}{
		{"a point outside China (GET)", http.MethodGet, url.Values{"longitude": {"139.69"}, "latitude": {"35.68"}}, "坐标不在可解析的范围(中国)内"},
		{"no longitude", http.MethodPost, url.Values{"latitude": {"30"}}, "未获取到longitude"},
		{"no latitude", http.MethodGet, url.Values{"longitude": {"30"}}, "未获取到latitude"},
		{"lists of different lengths", http.MethodPost, url.Values{"longitude": {"1,2"}, "latitude": {"3"}}, "longitude 与 latitude 数量不一致"},
		{"words", http.MethodPost, url.Values{"longitude": {"east"}, "latitude": {"north"}}, "坐标须为经度 -180~180、纬度 -90~90 的数字"},
		{"a latitude of 91", http.MethodGet, url.Values{"longitude": {"100"}, "latitude": {"91"}}, "坐标须为经度 -180~180、纬度 -90~90 的数字"},
		{"two points on GET", http.MethodGet, url.Values{"longitude": {"1,2"}, "latitude": {"3,4"}}, "GET 只解析一个坐标,多个请用 POST"},
	} {
		t.Run("location refuses "+tc.name, func(t *testing.T) {
			c.t = t
			refused(t, c.form(tc.method, "/api/location", tc.fields), tc.msg)
		})
	}

	t.Run("weather: the model server's recognition", func(t *testing.T) {
		c.t = t
		var got struct {
			Weather   string    `json:"weather"`
			WeatherID int       `json:"weather_id"`
			Tags      []string  `json:"tags"`
			Rate      []float64 `json:"rate"`
		}
		ok(t, c.multipart("/api/weather", okhttp, nil, pic), &got)
		if got.Weather != "sunny" || got.Tags[got.WeatherID] != "sunny" || len(got.Rate) != 4 {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("fsrcnn: the enlarged picture as base64 JPEG; scale defaults to 3", func(t *testing.T) {
		c.t = t
		for _, tc := range []struct {
			scale string
			w     int
		}{{"2", 240}, {"", 360}} {
			var b64 string
			ok(t, c.multipart("/api/fsrcnn", okhttp, map[string]string{"scale": tc.scale}, pic), &b64)
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(raw))
			if err != nil || cfg.Width != tc.w {
				t.Fatalf("scale %q: %+v %v", tc.scale, cfg, err)
			}
		}
	})
	t.Run("fsrcnn refuses a scale of 5 and a result over the pixel limit", func(t *testing.T) {
		c.t = t
		refused(t, c.multipart("/api/fsrcnn", okhttp, map[string]string{"scale": "5"}, pic), "缩放倍数错误")
		refused(t, c.multipart("/api/fsrcnn", okhttp, map[string]string{"scale": "4"}, flat(t, 2000, 1200)), "放大 4 倍后超过 16777216 像素")
	})
	t.Run("style: a base64 JPEG of the same size; the server's refusal of an unknown style", func(t *testing.T) {
		c.t = t
		var b64 string
		ok(t, c.multipart("/api/style", okhttp, nil, pic), &b64)
		raw, _ := base64.StdEncoding.DecodeString(b64)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(raw)); err != nil || cfg.Width != 120 {
			t.Fatalf("%+v %v", cfg, err)
		}
		refused(t, c.multipart("/api/style", okhttp, map[string]string{"style": "monet"}, pic), "模型服务器拒绝了该图片：指定的风格不存在")
	})
}

// Without a model server, the networks' routes say so; the rest works.
func TestModelEndpointsWithoutModelServer(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := caller{t: t, s: s}
	pic := landscape(t, blueSky)
	for _, path := range []string{"/api/weather", "/api/style", "/api/fsrcnn"} {
		t.Run(path, func(t *testing.T) {
			c.t = t
			refused(t, c.multipart(path, okhttp, nil, pic), "本服务器未配置模型服务器,无法使用该模型")
		})
	}
	t.Run("img2poem goes without the weather", func(t *testing.T) {
		c.t = t
		var got struct{ Poem, Keywords string }
		ok(t, c.multipart("/api/img2poem", okhttp, map[string]string{"types": "[boat]", "values": "[0.9]"}, pic), &got)
		if got.Keywords != "舟 蓝 红 白" {
			t.Fatalf("%q", got.Keywords)
		}
	})
	t.Run("a model server that is down is unavailable, not a failure", func(t *testing.T) {
		gone := httptest.NewServer(http.NotFoundHandler())
		u := gone.URL
		gone.Close()
		s2 := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.Travel.ModelServerURL = u }))
		c2 := caller{t: t, s: s2}
		refused(t, c2.multipart("/api/weather", okhttp, nil, pic), "模型服务器暂时不可用,请稍后再试")
	})
}
