package engine

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/fiveapis/backend/domain/eventlog"
)

// startSpan starts the span of one consumer handling env, as a child of the
// span whose traceparent env's metadata carries (the request that appended
// it). Without a Tracer, or for an event of an untraced request, it starts
// nothing and returns a nil span.
func (e *Engine) startSpan(ctx context.Context, name string, env eventlog.Envelope) (context.Context, trace.Span) {
	if e.cfg.Tracer == nil || env.Meta.TraceParent == "" {
		return ctx, nil
	}
	parent := propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{"traceparent": env.Meta.TraceParent})
	if !trace.SpanContextFromContext(parent).IsValid() {
		return ctx, nil
	}
	r := env.Recorded
	return e.cfg.Tracer.Start(parent, name, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("eventlog.stream", r.StreamID), attribute.String("eventlog.event_type", r.Type),
		attribute.String("eventlog.event_id", r.ID), attribute.String("eventlog.position", r.Position.String()),
		attribute.String("correlation_id", env.Meta.CorrelationID)))
}

// endSpan ends span (nil: none), recording err.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "failed")
	}
	span.End()
}
