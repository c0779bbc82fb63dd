// Package modelshttp serves 004's model endpoints (/api/color, /api/poem,
// /api/img2poem, /api/location, /api/weather, /api/style, /api/fsrcnn) in
// the travel dialect: every answer HTTP 200 with {"code", "msg", "data"},
// refusals as code 403 with a message (travel.Render). The models are
// ports: colours, poems and places run in the process
// (transport/models/…), the networks (weather, style, super-resolution) on
// a model server that may not be configured.
package modelshttp

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// Swatch is one dominant colour: sRGB components 0–255 and a colour word.
type Swatch struct {
	R, G, B float64
	Name    string
}

// Colours finds the dominant colours of a picture (transport/models/colour).
type Colours interface {
	Dominant(image []byte, k int) ([]Swatch, error)
}

// PoemRequest is what to write: words to place, 5 or 7 characters a line,
// seed 004's experience (−1 none, 0 戎马生涯, 1 乡村生活, 2 其他) and
// history (−1 none, 0 盛世, 1 乱世), and the draw's seed.
type PoemRequest struct {
	Keywords            []string
	Length              int
	Experience, History int
	Seed                uint64
}

// Poem is a written poem and the words it placed.
type Poem struct {
	Lines    []string
	Keywords []string
}

// Poet writes poems (transport/models/poem).
type Poet interface {
	Write(req PoemRequest) (Poem, error)
}

// Place is where a point lies; empty names are levels the data does not
// resolve there.
type Place struct {
	Province, City, County string
}

// Places reverse-geocodes points offline (transport/models/geo); ok is
// false outside the data (outside China).
type Places interface {
	Locate(longitude, latitude float64) (Place, bool)
}

// Weather is a weather recognition.
type Weather struct {
	Weather   string
	WeatherID int
	Tags      []string
	Rate      []float64
}

// ModelServer runs the trained networks (transport/models/modelserver).
// An error with a RejectReason() string method is the server refusing the
// input; any other error is the server being unavailable.
type ModelServer interface {
	Weather(ctx context.Context, image []byte) (Weather, error)
	Style(ctx context.Context, image []byte, style string) ([]byte, error)
	FSRCNN(ctx context.Context, image []byte, scale int) ([]byte, error)
}

// Deps are the routes' ports.
type Deps struct {
	Colours Colours
	Poet    Poet
	Places  Places
	// Models is nil when no model server is configured: weather, style and
	// fsrcnn then refuse with a message saying so.
	Models ModelServer
	// Seed draws a poem's seed (tests fix it).
	Seed func() uint64
}

// Handlers serve the routes.
type Handlers struct{ d Deps }

// New returns the routes.
func New(d Deps) *Handlers { return &Handlers{d: d} }

// MaxImageBytes bounds an uploaded picture.
const MaxImageBytes = 8 << 20

// Mount implements httpapi.Routes: every route with and without its
// trailing slash, open to anyone as in the document, exempt from the CSRF
// check like the rest of 004 (its client is an Android app).
func (h *Handlers) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, "", travel.Render).ExemptFromCSRF()
	img := r.WithBodyLimit(2 * MaxImageBytes)
	img.POST("/api/color/", h.color)
	img.POST("/api/img2poem/", h.img2poem)
	img.POST("/api/weather/", h.weather)
	img.POST("/api/style/", h.style)
	img.POST("/api/fsrcnn/", h.fsrcnn)
	r.POST("/api/poem/", h.poem)
	r.GET("/api/poem/", h.form("/api/poem", poemForm))
	r.GET("/api/img2poem/", h.form("/api/img2poem", img2poemForm))
	r.GET("/api/location/", h.locationOne)
	r.POST("/api/location/", h.locationMany)
	for _, p := range []string{"/api/color/", "/api/weather/", "/api/style/", "/api/fsrcnn/"} {
		r.GET(p, postOnly)
	}
}

// postOnly refuses a GET of a route that takes a picture.
func postOnly(echo.Context) error { return travel.Refusal("请使用 POST 请求") }

// form answers the document's GET of /api/poem and /api/img2poem: an HTML
// test form posting to the route.
func (h *Handlers) form(action, fields string) httpapi.Handler {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.HTML(http.StatusOK, `<!doctype html><meta charset="utf-8"><title>`+action+`</title>`+
			`<form method="post" action="`+action+`" enctype="multipart/form-data">`+fields+
			`<label>length <select name="length"><option>5</option><option>7</option></select></label> `+
			`<label>experience <select name="experience"><option value="1">乡村生活</option><option value="0">戎马生涯</option><option value="2">其他</option><option value="-1">不指定</option></select></label> `+
			`<label>history <select name="history"><option value="0">盛世</option><option value="1">乱世</option><option value="-1">不指定</option></select></label> `+
			`<button>生成</button></form>`)
	}
}

const poemForm = `<label>keyword <input name="keyword" required></label> `

const img2poemForm = `<label>image <input type="file" name="image" accept="image/*"></label> ` +
	`<label>keyword <input name="keyword"></label> <label>types <input name="types" placeholder="山,水"></label> ` +
	`<label>values <input name="values" placeholder="0.9,0.5"></label> `
