package tracing

import (
	"strings"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTP is the middleware that starts a span per request (otelecho: route,
// method, status), continuing a trace whose W3C traceparent the client sent,
// and tags it with the request's correlation id (X-Correlation-ID, else the
// request id). Probes, metrics and the long-lived event stream are not
// traced.
func HTTP(tp *Provider, service string) echo.MiddlewareFunc {
	spans := otelecho.Middleware(service,
		otelecho.WithTracerProvider(tp),
		otelecho.WithPropagators(propagation.TraceContext{}),
		otelecho.WithSkipper(func(c echo.Context) bool {
			p := c.Request().URL.Path
			return p == "/livez" || p == "/readyz" || p == "/healthz" || p == "/metrics" || strings.HasPrefix(p, "/events/stream")
		}))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return spans(func(c echo.Context) error {
			corr := c.Request().Header.Get("X-Correlation-ID")
			if corr == "" {
				corr = c.Response().Header().Get(echo.HeaderXRequestID)
			}
			if corr != "" && len(corr) <= 128 {
				trace.SpanFromContext(c.Request().Context()).SetAttributes(attribute.String("correlation_id", corr))
			}
			return next(c)
		})
	}
}
