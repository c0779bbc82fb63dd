// Package standin is a model server that speaks modelserver's protocol
// without trained networks: the tests' local stand-in, and a development
// server (cmd/modelstandin). It does real image work with classical
// methods, and says so in every answer's X-Model header:
//
//   - /weather: a heuristic on the picture's sky (the top third): blue and
//     bright is sunny, grey and bright cloudy, dark rainy, white snow; the
//     scores are the heuristic's, not a network's;
//   - /style: a sepia "ink" rendering (grey levels, warm tint, contrast) in
//     place of a style-transfer network; styles "sepia" (default) and
//     "gray";
//   - /fsrcnn: Lanczos resampling by the scale in place of FSRCNN.
package standin

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/disintegration/imaging"

	"github.com/fiveapis/backend/transport/models/colour"
)

// MaxUpload bounds a posted picture.
const MaxUpload = 16 << 20

// Handler serves the protocol's three calls.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /weather", func(w http.ResponseWriter, r *http.Request) {
		img, ok := read(w, r)
		if !ok {
			return
		}
		w.Header().Set("X-Model", "standin-heuristic")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(weather(img)) //nolint:errcheck // the client sees a short body
	})
	mux.HandleFunc("POST /style", func(w http.ResponseWriter, r *http.Request) {
		img, ok := read(w, r)
		if !ok {
			return
		}
		var out image.Image
		switch r.FormValue("style") {
		case "", "sepia":
			out = imaging.AdjustContrast(imaging.AdjustFunc(img, sepia), 10)
		case "gray":
			out = imaging.Grayscale(img)
		default:
			refuse(w, "指定的风格不存在")
			return
		}
		writeJPEG(w, out)
	})
	mux.HandleFunc("POST /fsrcnn", func(w http.ResponseWriter, r *http.Request) {
		img, ok := read(w, r)
		if !ok {
			return
		}
		scale, err := strconv.Atoi(r.FormValue("scale"))
		if err != nil || scale < 2 || scale > 4 {
			refuse(w, "缩放倍数错误")
			return
		}
		b := img.Bounds()
		writeJPEG(w, imaging.Resize(img, b.Dx()*scale, b.Dy()*scale, imaging.Lanczos))
	})
	return mux
}

func read(w http.ResponseWriter, r *http.Request) (image.Image, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload+1<<20)
	f, _, err := r.FormFile("image")
	if err != nil {
		refuse(w, "未获取到image")
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		refuse(w, "未获取到image")
		return nil, false
	}
	img, err := colour.Decode(data)
	if err != nil {
		refuse(w, "image 不是可以读取的图片")
		return nil, false
	}
	return img, true
}

func refuse(w http.ResponseWriter, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": reason}) //nolint:errcheck // as above
}

func writeJPEG(w http.ResponseWriter, img image.Image) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Model", "standin-classical")
	w.Header().Set("Content-Type", "image/jpeg")
	w.Write(buf.Bytes()) //nolint:errcheck // as above
}

// sepia is the classic sepia matrix.
func sepia(c color.NRGBA) color.NRGBA {
	r, g, b := float64(c.R), float64(c.G), float64(c.B)
	clamp := func(v float64) uint8 { return uint8(math.Min(255, v)) }
	return color.NRGBA{R: clamp(.393*r + .769*g + .189*b), G: clamp(.349*r + .686*g + .168*b), B: clamp(.272*r + .534*g + .131*b), A: c.A}
}

// weatherAnswer is the protocol's weather answer.
type weatherAnswer struct {
	Weather   string    `json:"weather"`
	WeatherID int       `json:"weather_id"`
	Tags      []string  `json:"tags"`
	Rate      []float64 `json:"rate"`
}

// weather scores the four tags of seed 004 from the sky (the top third):
// its lightness, how much bluer than grey it is, and its saturation.
func weather(img image.Image) weatherAnswer {
	b := img.Bounds()
	sky := imaging.Crop(img, image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+max(b.Dy()/3, 1)))
	sky = imaging.Fit(sky, 64, 64, imaging.Box)
	var l, blue, sat float64
	n := 0.0
	for i := 0; i+3 < len(sky.Pix); i += 4 {
		r, g, bl := float64(sky.Pix[i])/255, float64(sky.Pix[i+1])/255, float64(sky.Pix[i+2])/255
		mx, mn := math.Max(r, math.Max(g, bl)), math.Min(r, math.Min(g, bl))
		l += (mx + mn) / 2
		blue += bl - (r+g)/2
		sat += mx - mn
		n++
	}
	l, blue, sat = l/n, blue/n, sat/n
	tags := []string{"cloudy", "rainy", "snow", "sunny"}
	rate := []float64{
		2*(l-0.5) - 6*math.Abs(blue) + 2*(0.25-sat),
		6 * (0.4 - l),
		8*(l-0.8) + 4*(0.15-sat),
		8*blue + 2*(l-0.45),
	}
	best := 0
	for i, r := range rate {
		if r > rate[best] {
			best = i
		}
	}
	return weatherAnswer{Weather: tags[best], WeatherID: best, Tags: tags, Rate: rate}
}
