package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/fiveapis/backend/transport/httpapi"
	modelshttp "github.com/fiveapis/backend/transport/httpapi/travel/models"
	"github.com/fiveapis/backend/transport/models/colour"
	"github.com/fiveapis/backend/transport/models/geo"
	"github.com/fiveapis/backend/transport/models/modelserver"
	"github.com/fiveapis/backend/transport/models/poem"
)

// wireTravelModels builds 004's model endpoints (/api/color …): colours,
// poems and places in the process, the networks on the model server of
// TRAVEL_MODEL_SERVER_URL when one is set. The poem model and the
// boundaries are decoded on first use, once per process.
func wireTravelModels(_ context.Context, p *Platform) (Module, error) {
	cfg := p.Config.Travel
	d := modelshttp.Deps{Colours: colourModel{}, Poet: poemModel{p.Poems}, Places: &placesModel{}, Seed: randomSeed}
	if cfg.ModelServerURL != "" {
		c, err := modelserver.New(cfg.ModelServerURL, cfg.ModelServerTimeout)
		if err != nil {
			return Module{}, fmt.Errorf("TRAVEL_MODEL_SERVER_URL: %w", err)
		}
		d.Models = modelServer{c}
	}
	return Module{Name: "travelmodels", Routes: []httpapi.Routes{modelshttp.New(d)}}, nil
}

// randomSeed draws a poem's seed.
func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return binary.LittleEndian.Uint64(b[:])
}

// colourModel adapts transport/models/colour.
type colourModel struct{}

func (colourModel) Dominant(image []byte, k int) ([]modelshttp.Swatch, error) {
	img, err := colour.Decode(image)
	if err != nil {
		return nil, err
	}
	sw, err := colour.Dominant(img, k, colour.Options{})
	if err != nil {
		return nil, fmt.Errorf("dominant colours: %w", err)
	}
	out := make([]modelshttp.Swatch, len(sw))
	for i, s := range sw {
		out[i] = modelshttp.Swatch{R: s.R, G: s.G, B: s.B, Name: colour.Name(s)}
	}
	return out, nil
}

// poemModel adapts transport/models/poem (Platform.Poems: loaded once per
// process, shared with the album pipeline).
type poemModel struct{ model func() (*poem.Model, error) }

func (m poemModel) Write(req modelshttp.PoemRequest) (modelshttp.Poem, error) {
	model, err := m.model()
	if err != nil {
		return modelshttp.Poem{}, fmt.Errorf("poem model: %w", err)
	}
	exp := map[int]poem.Experience{0: poem.Military, 1: poem.Rural, 2: poem.OtherLife}[req.Experience]
	hist := map[int]poem.History{0: poem.Prosperous, 1: poem.Turbulent}[req.History]
	p, err := model.Generate(poem.Request{Keywords: req.Keywords, Length: req.Length, Experience: exp, History: hist, Seed: req.Seed})
	if err != nil {
		return modelshttp.Poem{}, fmt.Errorf("generate poem: %w", err)
	}
	return modelshttp.Poem{Lines: p.Lines, Keywords: p.Keywords}, nil
}

// placesModel adapts transport/models/geo, loading the embedded boundaries
// once.
type placesModel struct {
	once  sync.Once
	index *geo.Index
	err   error
}

func (m *placesModel) Locate(lon, lat float64) (modelshttp.Place, bool) {
	m.once.Do(func() { m.index, m.err = geo.Embedded() })
	if m.err != nil {
		return modelshttp.Place{}, false
	}
	p, ok := m.index.Locate(lon, lat)
	return modelshttp.Place{Province: p.Province, City: p.City, County: p.County}, ok
}

// modelServer adapts transport/models/modelserver (its RejectedError has
// the RejectReason the routes read).
type modelServer struct{ c *modelserver.Client }

func (m modelServer) Weather(ctx context.Context, image []byte) (modelshttp.Weather, error) {
	w, err := m.c.Weather(ctx, image)
	return modelshttp.Weather{Weather: w.Weather, WeatherID: w.WeatherID, Tags: w.Tags, Rate: w.Rate}, err
}

func (m modelServer) Style(ctx context.Context, image []byte, style string) ([]byte, error) {
	return m.c.Style(ctx, image, style)
}

func (m modelServer) FSRCNN(ctx context.Context, image []byte, scale int) ([]byte, error) {
	return m.c.FSRCNN(ctx, image, scale)
}
