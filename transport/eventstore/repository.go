// Package eventstore holds the event store adapters (pgstore, eventstoredb),
// the codec, the shared contract suite, and Streams: the typed view of the log
// that command handlers use.
package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// Streams reads and appends domain events through an eventlog.Store and the
// codec. It implements commands/handling.EventStore.
type Streams struct {
	store eventlog.Store
	codec *codec.Registry
}

// NewStreams returns Streams over store and registry.
func NewStreams(store eventlog.Store, registry *codec.Registry) *Streams {
	return &Streams{store: store, codec: registry}
}

// Load returns every event of the stream, decoded, and the last version.
func (s *Streams) Load(ctx context.Context, stream string) ([]eventlog.Envelope, *uint64, error) {
	const page = 1000
	var (
		out  []eventlog.Envelope
		last *uint64
		from uint64
	)
	for {
		recs, err := s.store.ReadStream(ctx, stream, eventlog.ReadStreamOptions{From: from, Max: page})
		if errors.Is(err, eventlog.ErrStreamNotFound) {
			return out, last, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: %w", stream, err)
		}
		for _, r := range recs {
			env, err := s.codec.Decode(r)
			if err != nil {
				return nil, nil, fmt.Errorf("load %s: %w", stream, err)
			}
			out = append(out, env)
			v := r.Version
			last = &v
		}
		if len(recs) < page {
			return out, last, nil
		}
		from = recs[len(recs)-1].Version + 1
	}
}

// LoadLast returns the stream's last event, decoded, and its version.
func (s *Streams) LoadLast(ctx context.Context, stream string) (*eventlog.Envelope, *uint64, error) {
	recs, err := s.store.ReadStream(ctx, stream, eventlog.ReadStreamOptions{Direction: eventlog.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventlog.ErrStreamNotFound) || (err == nil && len(recs) == 0) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load last of %s: %w", stream, err)
	}
	env, err := s.codec.Decode(recs[0])
	if err != nil {
		return nil, nil, fmt.Errorf("load last of %s: %w", stream, err)
	}
	v := recs[0].Version
	return &env, &v, nil
}

// Append encodes events with fresh time-ordered ids and appends them. The
// append is recorded in the context's eventlog.Appends, if it carries one
// (the HTTP edge's read-your-writes).
func (s *Streams) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.Event, meta eventlog.Metadata) (eventlog.AppendResult, error) {
	data := make([]eventlog.EventData, len(events))
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.EventType()
		id, err := uuid.NewV7()
		if err != nil {
			return eventlog.AppendResult{}, fmt.Errorf("append to %s: event id: %w", stream, err)
		}
		d, err := s.codec.Encode(id.String(), e, meta)
		if err != nil {
			return eventlog.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
		}
		data[i] = d
	}
	res, err := s.store.Append(ctx, stream, expected, data)
	if err != nil {
		return res, fmt.Errorf("append to %s: %w", stream, err)
	}
	eventlog.RecordAppend(ctx, stream, res.Position, types...)
	return res, nil
}
