package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// The travel part's model endpoints and stray GETs (10).

// travelModelBodies are the bodies of the model endpoints' calls, made
// once: a phone photo after the app's compression (640×480) for the
// colours, the weather, the style and img2poem, a small one (320×240) to
// enlarge.
type travelModelBodies struct {
	color, img2poem, weather, style, fsrcnn, poem, locations *travelBody
}

func newTravelModelBodies() (travelModelBodies, error) {
	var b travelModelBodies
	photo, err := travelPicture(640, 480, 3, false)
	if err != nil {
		return b, err
	}
	small, err := travelPicture(320, 240, 5, false)
	if err != nil {
		return b, err
	}
	files := []struct {
		into   **travelBody
		data   []byte
		fields url.Values
	}{
		{&b.color, photo, url.Values{"k": {"3"}}},
		{&b.img2poem, photo, url.Values{"types": {"[person, boat]"}, "values": {"[0.91, 0.62]"}, "length": {"5"}}},
		{&b.weather, photo, nil},
		{&b.style, small, url.Values{"style": {"sepia"}}},
		{&b.fsrcnn, small, url.Values{"scale": {"2"}}},
	}
	for _, f := range files {
		if *f.into, err = travelFile("image", "photo.jpg", f.data, f.fields); err != nil {
			return b, err
		}
	}
	b.poem = travelForm(url.Values{"keyword": {"西湖 断桥"}, "length": {"5"}, "experience": {"1"}, "history": {"0"}})
	b.locations = travelForm(url.Values{"longitude": {"120.15,104.06,116.40"}, "latitude": {"30.25,30.67,39.90"}})
	return b, nil
}

// modelActions: the model endpoints, open to anyone.
func (st *travelState) modelActions() []mixAction {
	model := func(name string, weight float64, op string, body func() *travelBody) mixAction {
		return st.act(name, weight, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			_, path, _ := strings.Cut(op, " ")
			return travelCall(ctx, w, op, path, nil, body(), nil)
		})
	}
	return []mixAction{
		model("a poem", 1.2, "POST /api/poem", func() *travelBody { return st.models.poem }),
		model("where the photos were taken", 0.5, "POST /api/location", func() *travelBody { return st.models.locations }),
		model("a picture's colours", 0.6, "POST /api/color", func() *travelBody { return st.models.color }),
		model("a poem from a picture", 0.5, "POST /api/img2poem", func() *travelBody { return st.models.img2poem }),
		model("a picture's weather", 0.3, "POST /api/weather", func() *travelBody { return st.models.weather }),
		model("a picture in a style", 0.2, "POST /api/style", func() *travelBody { return st.models.style }),
		model("a picture enlarged", 0.15, "POST /api/fsrcnn", func() *travelBody { return st.models.fsrcnn }),
		st.act("where a photo was taken", 1, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			return travelCall(ctx, w, "GET /api/location", "/api/location?longitude=120.15&latitude=30.25", nil, nil, nil)
		}),
		st.act("a model's test form", 0.2, func(ctx context.Context, w *mixWorker, _ *travelWorker) error {
			op := []string{"GET /api/poem", "GET /api/img2poem"}[st.turn.Add(1)%2]
			_, path, _ := strings.Cut(op, " ")
			_, err := travelSend(ctx, w, op, path, nil, nil, travelTypeCheck("text/html"))
			return err
		}),
	}
}

// strayGetAction: a GET of a POST-only path (an old client, a link opened
// in a browser), answered with the documented refusal; and the GET of the
// avatar upload, which has no file.
func (st *travelState) strayGetAction() mixAction {
	paths := []string{"/user/login", "/user/register", "/user/reset", "/user/password",
		"/forum/post/new", "/forum/post/{pid}/edit", "/forum/comment/new",
		"/movie/{wid}/upload", "/movie/{wid}/comment/new", "/photo/{wid}/upload", "/photo/{wid}/comment/new",
		"/api/color", "/api/weather", "/api/style", "/api/fsrcnn", "/user/avatar"}
	return st.act("a stray GET of a POST-only path", 1.5, func(ctx context.Context, w *mixWorker, tw *travelWorker) error {
		p := paths[st.turn.Add(1)%int64(len(paths))]
		path := st.fillPath(w, p)
		if p == "/user/avatar" {
			_, err := travelSend(ctx, w, "GET "+p, path, tw.me, nil, travelEnvelopeCheck(403, "未获取到avatar", nil))
			return err
		}
		return travelPostOnly(ctx, w, "GET "+p, path, tw.me)
	})
}

// fillPath puts fixture ids into a path template's {pid} and {wid}.
func (st *travelState) fillPath(w *mixWorker, p string) string {
	switch p {
	case "/forum/post/{pid}/edit":
		return fmt.Sprintf("/forum/post/%d/edit", travelPick(w.Rnd, st.posts))
	case "/movie/{wid}/upload", "/movie/{wid}/comment/new":
		return fmt.Sprintf("/movie/%d/%s", travelPick(w.Rnd, st.jobs["movie"]), p[len("/movie/{wid}/"):])
	case "/photo/{wid}/upload", "/photo/{wid}/comment/new":
		return fmt.Sprintf("/photo/%d/%s", travelPick(w.Rnd, st.jobs["photo"]), p[len("/photo/{wid}/"):])
	}
	return p
}
