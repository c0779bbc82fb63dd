package cards

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/cards"
	cardsq "github.com/fiveapis/backend/queries/cards"
	"github.com/fiveapis/backend/transport/httpapi"
)

func deriveKey(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Download links: /api/card/downloads/batches/{id}/qrcodes.zip?expires=<unix
// seconds>&signature=<hex HMAC-SHA256(key, "qrzip|<id>|<expires>")>, the key
// derived from the server secret. A forged or altered link is
// DOWNLOAD_LINK_INVALID (403), an expired one DOWNLOAD_LINK_EXPIRED (403).
func (m *Module) linkSignature(batchID int64, expires int64) string {
	mac := hmac.New(sha256.New, m.linkKey)
	mac.Write([]byte("qrzip|" + strconv.FormatInt(batchID, 10) + "|" + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

func (m *Module) downloadURL(c echo.Context, batchID int64, expires time.Time) string {
	e := expires.Unix()
	return m.absolute(c, Prefix+"/downloads/batches/"+strconv.FormatInt(batchID, 10)+"/qrcodes.zip") +
		"?expires=" + strconv.FormatInt(e, 10) + "&signature=" + m.linkSignature(batchID, e)
}

type qrExport struct {
	BatchID        int64     `json:"batch_id"`
	GeneratedCount int       `json:"generated_count"`
	ZipDownloadURL string    `json:"zip_download_url"`
	ExpiresAt      time.Time `json:"expires_at"`
	// Status is "ready" (the zip is built) or "processing" (202: the link
	// serves the zip once it is built).
	Status string `json:"status"`
}

// POST /api/card/batches/{id}/generate_qrcodes/ (admin): a QR code PNG per
// card of the batch, zipped, behind a signed link that expires (002 §3.4).
// The zip is built off the request (QRCodes.Zip); the answer waits for it
// up to QRWait (200, generated_count = the batch's cards) and otherwise
// answers 202 with the same link, which serves the zip once it is built.
func (m *Module) generateQRCodes(c echo.Context) error {
	id, err := pathID(c, "id", cards.ErrBatchNotFound)
	if err != nil {
		return err
	}
	now := m.clock.Now()
	expires := now.Add(m.cfg.LinkTTL).UTC().Truncate(time.Second)
	r, err := m.cmd.RequestQRCodes(c.Request().Context(), cardscmd.RequestQRCodes{Actor: httpapi.Actor(c), BatchID: id, LinkExpiresAt: expires,
		Meta: httpapi.EventMeta(c, now)})
	if err != nil {
		return err
	}
	out := qrExport{BatchID: id, ZipDownloadURL: m.downloadURL(c, id, expires), ExpiresAt: expires, Status: "processing"}
	ctx := c.Request().Context()
	wait, cancel := context.WithTimeout(ctx, m.cfg.QRWait)
	defer cancel()
	_, err = m.qrcodes.Zip(wait, r.Batch)
	switch {
	case err == nil:
		out.GeneratedCount, out.Status = r.Batch.TotalQuantity, "ready"
		return ok(c, http.StatusOK, out)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		// Still building: the link serves the zip once it is built.
		return ok(c, http.StatusAccepted, out)
	default:
		return err
	}
}

// GET /api/card/downloads/batches/{id}/qrcodes.zip?expires=&signature=: the
// signed link streams the zip (building it first if this process has not).
func (m *Module) download(c echo.Context) error {
	id, err := pathID(c, "id", errLinkInvalid)
	if err != nil {
		return err
	}
	expires, err := strconv.ParseInt(c.QueryParam("expires"), 10, 64)
	if err != nil {
		return errLinkInvalid
	}
	want := m.linkSignature(id, expires)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(c.QueryParam("signature")))) {
		return errLinkInvalid
	}
	if !m.clock.Now().Before(time.Unix(expires, 0)) {
		return errLinkExpired
	}
	b, err := m.cmd.Batch(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !b.Exists() {
		return cards.ErrBatchNotFound
	}
	path, err := m.qrcodes.Zip(c.Request().Context(), b)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.Attachment(path, "batch_"+strconv.FormatInt(id, 10)+"_qrcodes.zip")
}

// GET /api/card/qr/{card_code}.png: the card's QR code image (its content is
// the card's qr_code URL). The code is the credential: no login is needed,
// and a code that fails its check is CARD_NOT_FOUND.
func (m *Module) qrImage(c echo.Context) error {
	file := c.Param("file")
	code, isPNG := strings.CutSuffix(file, ".png")
	if !isPNG {
		return cards.ErrCardNotFound
	}
	parsed, err := m.cmd.Signer().Parse(code)
	if err != nil {
		return err
	}
	card, err := m.q.GetCard(c.Request().Context(), parsed.CardID)
	if errors.Is(err, cardsq.ErrNotFound) || (err == nil && card.CardCode != parsed.Code) {
		return cards.ErrCardNotFound
	}
	if err != nil {
		return err
	}
	png, err := m.qrcodes.PNG(card.QRCode)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, max-age=3600")
	return c.Blob(http.StatusOK, "image/png", png)
}
