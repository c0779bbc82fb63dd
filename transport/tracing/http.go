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
// and tags it with the request's correlation id as correlation gives it (the
// HTTP edge's validated id, the one its events record). Probes, metrics and
// the long-lived event stream are not traced.
func HTTP(tp *Provider, service string, correlation func(echo.Context) string) echo.MiddlewareFunc {
	spans := otelecho.Middleware(service,
		otelecho.WithTracerProvider(tp),
		otelecho.WithPropagators(propagation.TraceContext{}),
		otelecho.WithSkipper(func(c echo.Context) bool {
			p := c.Request().URL.Path
			return p == "/livez" || p == "/readyz" || p == "/healthz" || p == "/metrics" || strings.HasPrefix(p, "/events/stream")
		}))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return spans(func(c echo.Context) error {
			if corr := correlation(c); corr != "" {
				trace.SpanFromContext(c.Request().Context()).SetAttributes(attribute.String("correlation_id", corr))
			}
			return next(c)
		})
	}
}
