package clockinhttp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/labstack/echo/v4"
)

// The staff display page.
//
// A projector or a phone shows GET /activities/clockins/{activity}/display/
// — a page that needs no Authorization header (a browser cannot send one
// from a plain link) but a signed link: ?item={id}&expires={unix
// seconds}&sig={mac}, where mac is the first 144 bits of
// HMAC-SHA256(key, "clockin-display/v1|<activity>|<item>|<expires>") in
// unpadded base64url and key is derived from the server's secret. Staff of
// the activity and admins get such a link from
// GET /activities/clockins/{activity}/display-link/?item={id}; it works for
// DisplayLinkTTL (4 h). The page fetches the QR JSON with the same
// parameters, shows the image and a countdown, and fetches again as soon as
// the 25 s window turns.

//go:embed display.html
var displayHTML string

// displayPage is parsed once; the template is the package's own file.
var displayPage = template.Must(template.New("display").Parse(displayHTML))

// errBadLink is a display link whose signature is wrong or expired.
var errBadLink = fault.New(fault.Forbidden, "DISPLAY_LINK_INVALID", "链接无效或已过期")

func deriveLinkKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fiveapis/hhu/clockin-display/v1"))
	return m.Sum(nil)
}

func (h *Handlers) linkSignature(activity int64, item, expires string) string {
	mac := hmac.New(sha256.New, h.linkKey)
	mac.Write([]byte("clockin-display/v1|" + strconv.FormatInt(activity, 10) + "|" + item + "|" + expires))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// validLink reports whether the request carries a display link's valid,
// unexpired signature for the activity and its ?item=.
func (h *Handlers) validLink(c echo.Context, activity int64) bool {
	item, expires, sig := c.QueryParam("item"), c.QueryParam("expires"), c.QueryParam("sig")
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || sig == "" || !h.d.Clock.Now().Before(time.Unix(exp, 0)) {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(h.linkSignature(activity, item, expires)))
}

// authorizeQR admits a display link or the activity's staff and admins.
func (h *Handlers) authorizeQR(c echo.Context, activity int64) error {
	if c.QueryParam("sig") != "" {
		return h.requireLink(c, activity)
	}
	return h.requireStaff(c, activity)
}

// requireLink admits a valid display link only.
func (h *Handlers) requireLink(c echo.Context, activity int64) error {
	if !h.validLink(c, activity) {
		return errBadLink
	}
	return nil
}

// displayQuery is the query of a display link and of the page's QR fetches.
func (h *Handlers) displayQuery(activity, item int64, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	id := strconv.FormatInt(item, 10)
	return url.Values{"item": {id}, "expires": {exp}, "sig": {h.linkSignature(activity, id, exp)}}.Encode()
}

// displayLink: GET /activities/clockins/{activity}/display-link/?item={id}
// → {"url", "path", "expires_at"}: a link to the display page that works
// without a token until expires_at. Staff of the activity and admins.
func (h *Handlers) displayLink(c echo.Context) error {
	act, it, err := h.activityItem(c, h.requireStaff)
	if err != nil {
		return err
	}
	expires := h.d.Clock.Now().Add(h.d.DisplayLinkTTL).Truncate(time.Second)
	path := "/activities/clockins/" + strconv.FormatInt(act, 10) + "/display/?" + h.displayQuery(act, it.ID, expires)
	base := h.d.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return c.JSON(http.StatusOK, displayLinkJSON{URL: base + path, Path: path, ExpiresAt: h.ts(expires)})
}

// display: GET /activities/clockins/{activity}/display/?item&expires&sig →
// the self-contained HTML page (no external assets) that shows the item's
// rotating QR code.
func (h *Handlers) display(c echo.Context) error {
	act, it, err := h.activityItem(c, h.requireLink)
	if err != nil {
		return err
	}
	cfg, err := json.Marshal(map[string]string{
		"qr": "/activities/clockins/" + strconv.FormatInt(act, 10) + "/qr/?" + url.Values{
			"item": {c.QueryParam("item")}, "expires": {c.QueryParam("expires")}, "sig": {c.QueryParam("sig")},
		}.Encode(),
	})
	if err != nil {
		return err
	}
	var page bytes.Buffer
	// The config is JSON inside a <script> element: template.JS keeps it as
	// is; json.Marshal escapes <, > and & so it cannot end the element.
	if err := displayPage.Execute(&page, map[string]any{"Label": it.Label, "Config": template.JS(cfg)}); err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderCacheControl, "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'")
	hd.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(http.StatusOK, page.Bytes())
}
