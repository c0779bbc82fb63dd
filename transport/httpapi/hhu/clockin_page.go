package hhu

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

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/drf"
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

//go:embed clockin_display.html
var clockInDisplayHTML string

var clockInDisplayPage = template.Must(template.New("display").Parse(clockInDisplayHTML))

func deriveLinkKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fiveapis/hhu/clockin-display/v1"))
	return m.Sum(nil)
}

func (m *ClockIns) linkSignature(activity int64, item, expires string) string {
	mac := hmac.New(sha256.New, m.linkKey)
	mac.Write([]byte("clockin-display/v1|" + strconv.FormatInt(activity, 10) + "|" + item + "|" + expires))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// validLink reports whether the request carries a display link's valid,
// unexpired signature for the activity and its ?item=.
func (m *ClockIns) validLink(c echo.Context, activity int64) bool {
	item, expires, sig := c.QueryParam("item"), c.QueryParam("expires"), c.QueryParam("sig")
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || sig == "" || !m.d.Clock.Now().Before(time.Unix(exp, 0)) {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(m.linkSignature(activity, item, expires)))
}

// authorizeQR admits a display link or the activity's staff and admins.
func (m *ClockIns) authorizeQR(c echo.Context, activity int64) (bool, error) {
	if c.QueryParam("sig") != "" {
		if m.validLink(c, activity) {
			return true, nil
		}
		return false, drf.Detail(c, http.StatusForbidden, "链接无效或已过期")
	}
	return m.requireStaff(c, activity)
}

// displayQuery is the query of a display link and of the page's QR fetches.
func (m *ClockIns) displayQuery(activity, item int64, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	id := strconv.FormatInt(item, 10)
	return url.Values{"item": {id}, "expires": {exp}, "sig": {m.linkSignature(activity, id, exp)}}.Encode()
}

// displayLink: GET /activities/clockins/{activity}/display-link/?item={id}
// → {"url", "path", "expires_at"}: a link to the display page that works
// without a token until expires_at. Staff of the activity and admins.
func (m *ClockIns) displayLink(c echo.Context) error {
	act, it, ok, err := m.activityItem(c, m.requireStaff)
	if !ok {
		return err
	}
	expires := m.d.Clock.Now().Add(m.d.DisplayLinkTTL).Truncate(time.Second)
	path := "/activities/clockins/" + strconv.FormatInt(act, 10) + "/display/?" + m.displayQuery(act, it.ID, expires)
	base := m.d.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return c.JSON(http.StatusOK, map[string]string{"url": base + path, "path": path, "expires_at": m.ts(expires)})
}

// display: GET /activities/clockins/{activity}/display/?item&expires&sig →
// the self-contained HTML page (no external assets) that shows the item's
// rotating QR code.
func (m *ClockIns) display(c echo.Context) error {
	act, it, ok, err := m.activityItem(c, func(c echo.Context, act int64) (bool, error) {
		if !m.validLink(c, act) {
			return false, drf.Detail(c, http.StatusForbidden, "链接无效或已过期")
		}
		return true, nil
	})
	if !ok {
		return err
	}
	cfg, err := json.Marshal(map[string]string{
		"qr": "/activities/clockins/" + strconv.FormatInt(act, 10) + "/qr/?" + url.Values{
			"item": {c.QueryParam("item")}, "expires": {c.QueryParam("expires")}, "sig": {c.QueryParam("sig")},
		}.Encode(),
	})
	if err != nil {
		return renderError(c, err)
	}
	var page bytes.Buffer
	// The config is JSON inside a <script> element: template.JS keeps it as
	// is; json.Marshal escapes <, > and & so it cannot end the element.
	if err := clockInDisplayPage.Execute(&page, map[string]any{"Label": it.Label, "Config": template.JS(cfg)}); err != nil {
		return renderError(c, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'")
	h.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(http.StatusOK, page.Bytes())
}
