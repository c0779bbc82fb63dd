package main

import (
	"context"
	"fmt"
	"net/http"
)

// cardsMix is the card system's part of the mixed workload (10): users
// scan and use cards and look at their collection; the administrators
// page through batches and cards and read the statistics.
func cardsMix(share float64) *mixAPI {
	var st struct {
		f    *fixture
		pool *cardPool
		big  batch
	}
	return &mixAPI{
		Name:  "cards",
		Share: share,
		Setup: func(ctx context.Context, m *mixEnv) error {
			f, err := setupFixture(ctx, m.C)
			if err != nil {
				return err
			}
			bs, err := f.makeBatches(ctx, 1, cardsPerBig)
			if err != nil {
				return err
			}
			st.f, st.pool, st.big = f, newCardPool(f.signer, bs), bs[0]
			return nil
		},
		Actions: []mixAction{
			{Name: "use a card", Weight: 40, Run: func(ctx context.Context, w *mixWorker) error {
				_, _, code, err := st.pool.take()
				if err != nil {
					return err
				}
				return w.Call(ctx, "POST /api/card/cards/use/", "/api/card/cards/use/", st.f.user(w.ID), map[string]string{"card_code": code}, http.StatusOK, nil)
			}},
			{Name: "my cards", Weight: 30, Run: func(ctx context.Context, w *mixWorker) error {
				return w.Call(ctx, "GET /api/card/user/cards/", "/api/card/user/cards/", st.f.user(w.ID), nil, http.StatusOK, nil)
			}},
			{Name: "a page of a batch's cards", Weight: 10, Run: func(ctx context.Context, w *mixWorker) error {
				page := 1 + w.Rnd.Int64N(cardsPerBig/20)
				return w.Call(ctx, "GET /api/card/cards/", fmt.Sprintf("/api/card/cards/?batch=%d&page=%d", st.big.ID, page), st.f.adminAuth(), nil, http.StatusOK, nil)
			}},
			{Name: "statistics", Weight: 5, Run: func(ctx context.Context, w *mixWorker) error {
				return w.Call(ctx, "GET /api/card/statistics/", "/api/card/statistics/", st.f.adminAuth(), nil, http.StatusOK, nil)
			}},
		},
	}
}
