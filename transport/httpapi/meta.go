package httpapi

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// SessionCookie is the cookie of server-side web sessions (Django's name),
// shared by 004's and 003's logins.
const SessionCookie = "sessionid"

// HeaderCorrelationID lets a client tie several requests together; without it
// the request id is the correlation id.
const HeaderCorrelationID = "X-Correlation-ID"

// EventMeta returns the metadata for events caused by this request: the
// correlation id, the acting user, the client IP and user agent, and now.
func EventMeta(c echo.Context, now time.Time) eventlog.Metadata {
	req := c.Request()
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	corr := req.Header.Get(HeaderCorrelationID)
	if corr == "" {
		corr = rid
	}
	m := eventlog.Metadata{
		CorrelationID: corr,
		CausationID:   rid,
		ClientIP:      c.RealIP(),
		UserAgent:     req.UserAgent(),
		OccurredAt:    now.UTC(),
	}
	if p, ok := authn.From(c); ok {
		m.UserID = p.UserID
	}
	return m
}
