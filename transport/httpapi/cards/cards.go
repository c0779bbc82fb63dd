package cards

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/cards"
	cardsq "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/httpapi"
)

// qrImageURL is the URL of a card's QR code image.
func (m *Module) qrImageURL(c echo.Context, code string) string {
	return m.absolute(c, Prefix+"/qr/"+code+".png")
}

// GET /api/card/cards/?batch=&category=&is_used=&user=&page=&page_size=
//
// Card codes are what makes a card usable, so only admins list every card; a
// user lists the cards they used (user defaults to them, another user is
// INSUFFICIENT_PERMISSION).
func (m *Module) listCards(c echo.Context) error {
	a := httpapi.Actor(c)
	var (
		f   cardsq.CardFilter
		err error
	)
	if f.Batch, err = queryInt(c, "batch"); err != nil {
		return err
	}
	if f.Category, err = queryCategory(c, "category"); err != nil {
		return err
	}
	if f.IsUsed, err = queryBool(c, "is_used"); err != nil {
		return err
	}
	if f.User, err = queryInt(c, "user"); err != nil {
		return err
	}
	if !a.Admin {
		me, err := a.User()
		if err != nil {
			return err
		}
		if f.User != nil && *f.User != me {
			return cards.ErrInsufficientPermission
		}
		f.User = &me
	}
	pg, err := pageParams(c)
	if err != nil {
		return err
	}
	l, err := m.q.ListCards(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	for i := range l.Items {
		l.Items[i].QRCodeImage = m.qrImageURL(c, l.Items[i].CardCode)
	}
	return paged(m, c, pg, l)
}

// GET /api/card/cards/{id}/: admins see any card, a user the cards they used;
// any other card is CARD_NOT_FOUND.
func (m *Module) getCard(c echo.Context) error {
	a := httpapi.Actor(c)
	id, err := pathID(c, "id", cards.ErrCardNotFound)
	if err != nil {
		return err
	}
	card, err := m.q.GetCard(c.Request().Context(), id)
	if errors.Is(err, cardsq.ErrNotFound) {
		return cards.ErrCardNotFound
	}
	if err != nil {
		return err
	}
	if !a.Admin && (card.UsedBy == nil || *card.UsedBy != a.UserID) {
		return cards.ErrCardNotFound
	}
	card.QRCodeImage = m.qrImageURL(c, card.CardCode)
	return ok(c, http.StatusOK, card)
}

// POST /api/card/cards/ (admin) {"batch": id}: cards are generated with their
// batch, which is then full, so adding one is BATCH_FULL (INVALID_INPUT
// without an existing batch). PUT, PATCH and DELETE of a card are 405: a card
// changes only by being used.
func (m *Module) addCard(c echo.Context) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	batch, err := b.integer("batch", true)
	if err != nil {
		return err
	}
	_, err = m.cmd.AddCard(c.Request().Context(), cardscmd.AddCard{Actor: httpapi.Actor(c), BatchID: *batch, Meta: httpapi.EventMeta(c, m.clock.Now())})
	return err
}
