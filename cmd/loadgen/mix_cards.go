package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// cardsMix is the card system's part of the mixed workload (10). A day
// of it is an event day: users scan the cards handed out and look at
// their collection most; the QR image of a card is opened where cards are
// printed; administrators page through batches, cards and statistics, and
// now and then make a template or a small batch, export its QR codes,
// publish it, change and delete it again. The API's document is also
// fetched, rarely.
func cardsMix(share float64) *mixAPI {
	st := &cardsState{}
	return &mixAPI{
		Name:  "cards",
		Share: share,
		Setup: st.setup,
		Actions: []mixAction{
			{Name: "use a card", Weight: 30, Run: st.use},
			{Name: "my cards", Weight: 20, Run: st.myCards},
			{Name: "a card's QR image", Weight: 5, Run: st.qrImage},
			{Name: "a card", Weight: 5, Run: st.card},
			{Name: "a category's cards", Weight: 5, Run: st.category},
			{Name: "a page of a batch's cards", Weight: 5, Run: st.cardsPage},
			{Name: "templates", Weight: 5, Run: st.templates},
			{Name: "batches", Weight: 5, Run: st.batches},
			{Name: "statistics", Weight: 3, Run: st.statistics},
			{Name: "the API's document", Weight: 0.5, Run: st.document},
			{Name: "a template's life", Weight: 1, Run: st.templateLife},
			{Name: "a small batch's life", Weight: 1, Run: st.batchLife},
		},
	}
}

// cardsState is the fixture of the cards' part: users, a template and a
// published batch of cardsPerBig cards to use.
type cardsState struct {
	f    *fixture
	pool *cardPool
	big  batch
}

func (st *cardsState) setup(ctx context.Context, m *mixEnv) error {
	f, err := setupFixture(ctx, m.C)
	if err != nil {
		return err
	}
	// Enough cards for the uses of both runs at full speed.
	bs, err := f.makeBatches(ctx, 3, cardsPerBig)
	if err != nil {
		return err
	}
	st.f, st.pool, st.big = f, newCardPool(f.signer, bs), bs[0]
	return nil
}

// someCard is a card of the big batch, used or not.
func (st *cardsState) someCard(w *mixWorker) (id int64, code string) {
	id = st.big.Start + w.Rnd.Int64N(st.big.End-st.big.Start+1)
	return id, st.f.signer.Code(st.big.Code, id)
}

func (st *cardsState) use(ctx context.Context, w *mixWorker) error {
	_, _, code, err := st.pool.take()
	if err != nil {
		return err
	}
	return w.Call(ctx, "POST /api/card/cards/use/", "/api/card/cards/use/", st.f.user(w.ID), map[string]string{"card_code": code}, http.StatusOK, nil)
}

func (st *cardsState) myCards(ctx context.Context, w *mixWorker) error {
	path := "/api/card/user/cards/"
	if w.Rnd.IntN(4) == 0 {
		path += "?category=dance"
	}
	return w.Call(ctx, "GET /api/card/user/cards/", path, st.f.user(w.ID), nil, http.StatusOK, nil)
}

func (st *cardsState) qrImage(ctx context.Context, w *mixWorker) error {
	_, code := st.someCard(w)
	_, err := w.Send(ctx, "GET /api/card/qr/{card_code}.png", "/api/card/qr/"+url.PathEscape(code)+".png", "", nil, nil, http.StatusOK)
	return err
}

func (st *cardsState) card(ctx context.Context, w *mixWorker) error {
	id, _ := st.someCard(w)
	return w.Call(ctx, "GET /api/card/cards/{id}/", fmt.Sprintf("/api/card/cards/%d/", id), st.f.adminAuth(), nil, http.StatusOK, nil)
}

func (st *cardsState) category(ctx context.Context, w *mixWorker) error {
	return w.Call(ctx, "GET /api/card/category/{category}/", "/api/card/category/dance/", st.f.user(w.ID), nil, http.StatusOK, nil)
}

func (st *cardsState) cardsPage(ctx context.Context, w *mixWorker) error {
	page := 1 + w.Rnd.Int64N(cardsPerBig/20)
	return w.Call(ctx, "GET /api/card/cards/", fmt.Sprintf("/api/card/cards/?batch=%d&page=%d", st.big.ID, page), st.f.adminAuth(), nil, http.StatusOK, nil)
}

func (st *cardsState) templates(ctx context.Context, w *mixWorker) error {
	if err := w.Call(ctx, "GET /api/card/templates/", "/api/card/templates/?category=dance", st.f.user(w.ID), nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/card/templates/{id}/", fmt.Sprintf("/api/card/templates/%d/", st.f.templateID), st.f.user(w.ID), nil, http.StatusOK, nil)
}

func (st *cardsState) batches(ctx context.Context, w *mixWorker) error {
	if err := w.Call(ctx, "GET /api/card/batches/", "/api/card/batches/?is_published=true", st.f.adminAuth(), nil, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "GET /api/card/batches/{id}/", fmt.Sprintf("/api/card/batches/%d/", st.big.ID), st.f.adminAuth(), nil, http.StatusOK, nil)
}

func (st *cardsState) statistics(ctx context.Context, w *mixWorker) error {
	path := "/api/card/statistics/"
	if w.Rnd.IntN(2) == 0 {
		path += "?start_date=2026-01-01&end_date=2026-12-31&category=dance"
	}
	return w.Call(ctx, "GET /api/card/statistics/", path, st.f.adminAuth(), nil, http.StatusOK, nil)
}

func (st *cardsState) document(ctx context.Context, w *mixWorker) error {
	_, err := w.Send(ctx, "GET /api/card/openapi.json", "/api/card/openapi.json", "", nil, nil, http.StatusOK)
	return err
}

// templateLife: an administrator makes a template, corrects it twice and
// deletes it.
func (st *cardsState) templateLife(ctx context.Context, w *mixWorker) error {
	admin := st.f.adminAuth()
	var t struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/card/templates/", "/api/card/templates/", admin, map[string]any{
		"name": w.Unique("模板"), "category": "song", "description": "mixed workload", "rarity": "rare",
	}, http.StatusCreated, &t); err != nil {
		return err
	}
	path := fmt.Sprintf("/api/card/templates/%d/", t.ID)
	if err := w.Call(ctx, "PUT /api/card/templates/{id}/", path, admin, map[string]any{"name": w.Unique("模板"), "category": "song", "rarity": "epic"}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "PATCH /api/card/templates/{id}/", path, admin, map[string]any{"description": "corrected"}, http.StatusOK, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/card/templates/{id}/", path, admin, nil, http.StatusOK, nil)
}

// batchLife: an administrator makes a batch of 20 cards, renames it,
// publishes it, exports its QR codes and downloads them, withdraws it,
// tries to add a card to it (it is full) and deletes it.
func (st *cardsState) batchLife(ctx context.Context, w *mixWorker) error {
	admin := st.f.adminAuth()
	var b struct {
		ID int64 `json:"id"`
	}
	if err := w.Call(ctx, "POST /api/card/batches/", "/api/card/batches/", admin, map[string]any{
		"name": w.Unique("批次"), "template": st.f.templateID, "total_quantity": 20, "expiry_date": "2099-12-31",
	}, http.StatusCreated, &b); err != nil {
		return err
	}
	path := fmt.Sprintf("/api/card/batches/%d/", b.ID)
	steps := []struct {
		op, path string
		body     any
	}{
		{"PATCH /api/card/batches/{id}/", path, map[string]any{"description": "mixed workload"}},
		{"PUT /api/card/batches/{id}/", path, map[string]any{"name": w.Unique("批次"), "expiry_date": "2099-06-30"}},
		{"POST /api/card/batches/{id}/publish/", path + "publish/", nil},
	}
	for _, s := range steps {
		if err := w.Call(ctx, s.op, s.path, admin, s.body, http.StatusOK, nil); err != nil {
			return err
		}
	}
	var gen struct {
		Link string `json:"zip_download_url"`
	}
	if err := w.Call(ctx, "POST /api/card/batches/{id}/generate_qrcodes/", path+"generate_qrcodes/", admin, nil, http.StatusOK, &gen); err != nil {
		return err
	}
	link, err := url.Parse(gen.Link)
	if err != nil {
		return fmt.Errorf("zip link %q: %w", gen.Link, err)
	}
	if _, err := w.Send(ctx, "GET /api/card/downloads/batches/{id}/qrcodes.zip", link.RequestURI(), "", nil, nil, http.StatusOK); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/card/batches/{id}/unpublish/", path+"unpublish/", admin, nil, http.StatusOK, nil); err != nil {
		return err
	}
	if err := w.Call(ctx, "POST /api/card/cards/", "/api/card/cards/", admin, map[string]any{"batch": b.ID}, http.StatusBadRequest, nil); err != nil {
		return err
	}
	return w.Call(ctx, "DELETE /api/card/batches/{id}/", path, admin, nil, http.StatusOK, nil)
}
