package tracing

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Store decorates an event store with a span per append and per stream read
// (a command's load), child of the request's span. Its other operations
// (the global log's reads and subscriptions, which consumers make
// continuously) pass through untraced. Optional capabilities stay reachable
// through Unwrap (eventlog.Capability).
type Store struct {
	eventlog.Store
	tracer trace.Tracer
}

// WrapStore returns s traced by tp's tracer; with a disabled provider it
// returns s itself, so tracing off costs nothing.
func WrapStore(s eventlog.Store, tp *Provider) eventlog.Store {
	if !tp.Enabled() {
		return s
	}
	return &Store{Store: s, tracer: tp.Tracer("github.com/fiveapis/backend/transport/tracing")}
}

// Unwrap implements eventlog.Wrapper.
func (s *Store) Unwrap() eventlog.Store { return s.Store }

// Append implements eventlog.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (eventlog.AppendResult, error) {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.Type
	}
	ctx, span := s.tracer.Start(ctx, "eventlog.append "+eventlog.Category(stream), trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("eventlog.stream", stream), attribute.StringSlice("eventlog.event_types", types)))
	defer span.End()
	res, err := s.Store.Append(ctx, stream, expected, events)
	if err != nil {
		span.SetAttributes(attribute.Bool("eventlog.conflict", errors.Is(err, eventlog.ErrWrongExpectedVersion)))
		span.RecordError(err)
		span.SetStatus(codes.Error, "append failed")
		return res, err
	}
	span.SetAttributes(attribute.String("eventlog.position", res.Position.String()), attribute.Int64("eventlog.version", int64(res.NextVersion)))
	return res, nil
}

// ReadStream implements eventlog.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventlog.ReadStreamOptions) ([]eventlog.RecordedEvent, error) {
	ctx, span := s.tracer.Start(ctx, "eventlog.read "+eventlog.Category(stream), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("eventlog.stream", stream), attribute.Bool("eventlog.backwards", opts.Direction == eventlog.Backwards)))
	defer span.End()
	evs, err := s.Store.ReadStream(ctx, stream, opts)
	if err != nil && !errors.Is(err, eventlog.ErrStreamNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "read failed")
	}
	span.SetAttributes(attribute.Int("eventlog.events", len(evs)))
	return evs, err
}
