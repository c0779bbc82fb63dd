package tripshttp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// callerKey identifies who likes, checks in and views, so each counts once
// per trip: a user by id ("u42"); an anonymous caller by its network address
// ("a" + a keyed digest of it, so no address is written to the log), an
// IPv6 address by its /64 network, which one subscriber holds. Changing the
// user agent, dropping cookies or opening a private window does not make
// another caller; only another address does, and the per-hour request
// limit of each address bounds that (docs/roamio.md, "Likes, check-ins and
// views").
func (h *Handlers) callerKey(c echo.Context) (string, int64) {
	if a := httpapi.Actor(c); a.UserID > 0 {
		return "u" + strconv.FormatInt(a.UserID, 10), a.UserID
	}
	return "a" + AnonymousKey(h.d.Secret, httpapi.ClientIP(c)), 0
}

// AnonymousKey is the digest that stands for an anonymous address: the
// address (an IPv6 one cut to its /64) keyed with secret, 24 hex
// characters.
func AnonymousKey(secret []byte, ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		if p, err := a.Prefix(64); err == nil {
			ip = p.String()
		}
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("roamio-anonymous-caller:" + ip))
	return hex.EncodeToString(m.Sum(nil))[:24]
}
