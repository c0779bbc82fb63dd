package httpapi

import (
	"context"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// SessionCookie is the cookie of server-side web sessions (Django's name),
// shared by 004's and 003's logins.
const SessionCookie = "sessionid"

// HeaderCorrelationID lets a client tie several requests together; without it
// the request id is the correlation id.
const HeaderCorrelationID = "X-Correlation-ID"

// Bounds of what a request's headers may put into the immutable log.
const (
	// MaxUserAgent is the most bytes of a User-Agent kept (usage logs,
	// event metadata); longer values are cut at a character boundary.
	MaxUserAgent = 512
	// MaxRequestID is the longest request or correlation id taken from a
	// client; a longer or malformed one is replaced (request id) or ignored
	// (correlation id).
	MaxRequestID = 128
)

// EventMeta returns the metadata for events caused by this request: the
// correlation id, the acting user, the client IP and user agent, and now.
// Every value a client sends is bounded and cleaned first (UserAgent,
// ClientIP, CorrelationID): the log keeps what it is given forever.
func EventMeta(c echo.Context, now time.Time) eventlog.Metadata {
	m := eventlog.Metadata{
		CorrelationID: CorrelationID(c),
		CausationID:   c.Response().Header().Get(echo.HeaderXRequestID),
		ClientIP:      ClientIP(c),
		UserAgent:     UserAgent(c),
		OccurredAt:    now.UTC(),
	}
	if p, ok := authn.From(c); ok {
		m.UserID = p.UserID
	}
	m.TraceParent = traceParent(c.Request().Context())
	return m
}

// CorrelationID is the request's correlation id as events record it: the
// client's X-Correlation-ID when it is a valid id (ValidRequestID), else the
// request id.
func CorrelationID(c echo.Context) string {
	if corr := c.Request().Header.Get(HeaderCorrelationID); ValidRequestID(corr) {
		return corr
	}
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// traceParent is the W3C traceparent of ctx's span when it is recorded
// (tracing on and sampled), else "".
func traceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsSampled() {
		return ""
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	return carrier["traceparent"]
}

// UserAgent is the request's User-Agent as the log may keep it: valid UTF-8
// without control characters, at most MaxUserAgent bytes.
func UserAgent(c echo.Context) string {
	return CleanLine(c.Request().UserAgent(), MaxUserAgent)
}

// ClientIP is the client's address (echo's RealIP: X-Forwarded-For only from
// a proxy on a private network) in canonical form, or "" when it is not an
// address.
func ClientIP(c echo.Context) string {
	a, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return ""
	}
	return a.Unmap().String()
}

// ValidRequestID reports whether s may serve as a request or correlation id:
// 1 to MaxRequestID characters among letters, digits and . _ : / -.
func ValidRequestID(s string) bool {
	if s == "" || len(s) > MaxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("._:/-", b) >= 0) {
			return false
		}
	}
	return true
}

// CleanLine returns s as one line of at most max bytes: invalid UTF-8 and
// control characters (NUL, line breaks) are dropped, and the text is cut at
// a character boundary.
func CleanLine(s string, max int) string {
	clean := s
	for i, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = strings.Map(func(r rune) rune {
				if r == utf8.RuneError || unicode.IsControl(r) {
					return -1
				}
				return r
			}, s[i:])
			clean = s[:i] + clean
			break
		}
	}
	if len(clean) <= max {
		return clean
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(clean[cut]) {
		cut--
	}
	return clean[:cut]
}

// requestIDFromClient drops an X-Request-ID a client sent that is not a
// valid id, so that the server makes its own (Echo's RequestID middleware
// keeps a client's): the request id becomes every event's causation id.
func requestIDFromClient(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if v := h.Get(echo.HeaderXRequestID); v != "" && !ValidRequestID(v) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}
