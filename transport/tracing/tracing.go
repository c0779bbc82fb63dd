// Package tracing sets up OpenTelemetry tracing for the server: spans for
// HTTP requests (otelecho), for the event store's reads and appends (Store),
// and, through the traceparent an appended event carries in its metadata,
// for the projections and reactions that handle it (projections/engine).
// One request's trace thus runs from the HTTP edge through the command's
// load and append to every read model it changed.
//
// Off by default: without an OTLP endpoint the provider is OpenTelemetry's
// no-op one, and nothing is recorded or sent.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config is the tracing section of the server's configuration.
type Config struct {
	// OTLPEndpoint is the OTLP/HTTP traces endpoint, e.g.
	// http://127.0.0.1:4318/v1/traces (an OpenTelemetry Collector, Jaeger,
	// Tempo); empty: tracing is off.
	OTLPEndpoint string `env:"TRACING_OTLP_ENDPOINT"`
	// ServiceName names the process in traces.
	ServiceName string `env:"TRACING_SERVICE_NAME" envDefault:"fiveapis-backend"`
	// SampleRatio is the share of new traces recorded (0 to 1); a request
	// that arrives with a sampled traceparent is always recorded.
	SampleRatio float64 `env:"TRACING_SAMPLE_RATIO" envDefault:"1"`
}

// Validate checks the ratio.
func (c Config) Validate() error {
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		return fmt.Errorf("TRACING_SAMPLE_RATIO %v is not between 0 and 1", c.SampleRatio)
	}
	return nil
}

// Provider is the process's tracer provider and how to flush it.
type Provider struct {
	trace.TracerProvider
	sdk *sdktrace.TracerProvider
}

// Enabled reports whether spans are recorded and exported.
func (p *Provider) Enabled() bool { return p.sdk != nil }

// New returns the provider cfg asks for: the no-op one without an endpoint,
// otherwise one that batches spans to the OTLP/HTTP endpoint.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.OTLPEndpoint == "" {
		return &Provider{TracerProvider: noop.NewTracerProvider()}, nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.OTLPEndpoint), otlptracehttp.WithTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter for %s: %w", cfg.OTLPEndpoint, err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(cfg.ServiceName)))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	)
	return &Provider{TracerProvider: sdk, sdk: sdk}, nil
}

// Shutdown sends the spans still buffered and stops the exporter.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	if err := p.sdk.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("tracing: shutdown: %w", err)
	}
	return nil
}
