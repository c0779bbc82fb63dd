// Package codec maps domain events to the bytes stored in the event log and
// back: an explicit registry of event types by their versioned wire names, and
// upcasters that turn old versions into the newest one when they are read.
package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Upcaster turns the payload of an old event version into the next version:
// it returns the new wire type and payload. Upcasters chain until the type has
// none registered.
type Upcaster func(data []byte) (newType string, newData []byte, err error)

// Registry knows every event type the system can store. It is built once at
// start-up from explicit lists (no init-time registration) and is safe for
// concurrent use afterwards.
type Registry struct {
	types     map[string]reflect.Type
	flat      map[string]*flatPlan // of the types that are flat (flat.go)
	meta      *flatPlan            // eventlog.Metadata's
	upcasters map[string]Upcaster
}

// New builds a registry of the given event prototypes (zero values of the event
// structs). It fails on a duplicate or empty wire name.
func New(events ...eventlog.Event) (*Registry, error) {
	r := &Registry{
		types: map[string]reflect.Type{}, flat: map[string]*flatPlan{}, upcasters: map[string]Upcaster{},
		meta: newFlatPlan(reflect.TypeFor[eventlog.Metadata]()),
	}
	if r.meta == nil {
		return nil, errors.New("codec: eventlog.Metadata is not flat")
	}
	if err := r.Register(events...); err != nil {
		return nil, err
	}
	return r, nil
}

// Register adds event prototypes; registering a wire name twice is an error.
func (r *Registry) Register(events ...eventlog.Event) error {
	for _, e := range events {
		name := e.EventType()
		if name == "" {
			return fmt.Errorf("codec: %T has an empty event type", e)
		}
		t := reflect.TypeOf(e)
		if t.Kind() == reflect.Pointer {
			return fmt.Errorf("codec: register %s as a value, not a pointer (%T)", name, e)
		}
		if prev, ok := r.types[name]; ok {
			return fmt.Errorf("codec: event type %s registered twice (%v and %v)", name, prev, t)
		}
		r.types[name] = t
		if p := newFlatPlan(t); p != nil {
			r.flat[name] = p
		}
	}
	return nil
}

// RegisterUpcaster declares how to read the old wire type from: its payload is
// converted by up. The old type must not also be registered as a current type.
func (r *Registry) RegisterUpcaster(from string, up Upcaster) error {
	if _, ok := r.types[from]; ok {
		return fmt.Errorf("codec: %s is a current event type and cannot be upcast", from)
	}
	if _, ok := r.upcasters[from]; ok {
		return fmt.Errorf("codec: upcaster for %s registered twice", from)
	}
	r.upcasters[from] = up
	return nil
}

// Types lists the registered wire names, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.types))
	for t := range r.types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Known reports whether the wire type is registered or can be upcast.
func (r *Registry) Known(eventType string) bool {
	_, ok := r.types[eventType]
	_, up := r.upcasters[eventType]
	return ok || up
}

// Encode turns a domain event and its metadata into EventData with the given id.
func (r *Registry) Encode(id string, e eventlog.Event, meta eventlog.Metadata) (eventlog.EventData, error) {
	name := e.EventType()
	if want, ok := r.types[name]; !ok || want != reflect.TypeOf(e) {
		return eventlog.EventData{}, fmt.Errorf("codec: encode %T: event type %q is not registered for it", e, name)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return eventlog.EventData{}, fmt.Errorf("codec: encode %s: %w", name, err)
	}
	md, err := json.Marshal(meta)
	if err != nil {
		return eventlog.EventData{}, fmt.Errorf("codec: encode %s metadata: %w", name, err)
	}
	return eventlog.EventData{ID: id, Type: name, Data: data, Metadata: md}, nil
}

// Decode turns a recorded event into an envelope holding the newest version of
// the domain event; the envelope's Recorded.Type is the type as stored.
func (r *Registry) Decode(rec eventlog.RecordedEvent) (eventlog.Envelope, error) {
	env := eventlog.Envelope{Recorded: rec}
	if len(rec.Metadata) > 0 {
		if err := r.decodeMetadata(rec.Metadata, &env.Meta); err != nil {
			return env, fmt.Errorf("codec: decode metadata of %s@%d: %w", rec.StreamID, rec.Version, err)
		}
	}
	typ, data, err := r.upcast(rec.Type, rec.Data)
	if err != nil {
		return env, fmt.Errorf("codec: upcast %s@%d: %w", rec.StreamID, rec.Version, err)
	}
	t, ok := r.types[typ]
	if !ok {
		return env, fmt.Errorf("codec: decode %s@%d: unknown event type %q", rec.StreamID, rec.Version, typ)
	}
	v := reflect.New(t)
	if p := r.flat[typ]; p != nil && p.decode(data, v.Elem()) {
		env.Event = v.Elem().Interface().(eventlog.Event)
		return env, nil
	} else if p != nil {
		v = reflect.New(t) // the plan may have set some fields
	}
	if err := unmarshal(data, v.Interface()); err != nil {
		return env, fmt.Errorf("codec: decode %s %s@%d: %w", typ, rec.StreamID, rec.Version, err)
	}
	env.Event = v.Elem().Interface().(eventlog.Event)
	return env, nil
}

// unmarshal is encoding/json's Unmarshal, made faster. Every projector
// decodes every event it receives, and encoding/json was the largest cost of
// a projection catching up (28% of the CPU of a rebuild of the card
// projections). github.com/go-json-experiment/json/v1 is the implementation
// of encoding/json's API and behaviour on top of the new json/v2 decoder (the
// one Go ships as encoding/json under GOEXPERIMENT=jsonv2): it accepts and
// rejects the same inputs with the same results, about three times faster
// and with a fraction of the allocations (go-json was faster still, but uses
// unsafe and failed the race detector's pointer checks on an escaped lone
// surrogate). The
// codec's tests check that both agree on every event type of the domain and
// on odd inputs (unknown fields, other key case, nulls, escapes, invalid
// UTF-8, out-of-range numbers, times). Encode keeps encoding/json: the stored
// bytes do not change.
func unmarshal(data []byte, v any) error {
	return jsonv1.Unmarshal(data, v)
}

// decodeMetadata decodes metadata JSON into m as encoding/json does. It is
// the other half of what every projector decodes for every event: the form
// Encode writes is read by Metadata's flat plan (flat.go), the rest by
// unmarshal.
func (r *Registry) decodeMetadata(data []byte, m *eventlog.Metadata) error {
	if r.meta.decode(data, reflect.ValueOf(m).Elem()) {
		return nil
	}
	*m = eventlog.Metadata{}
	return unmarshal(data, m)
}

func (r *Registry) upcast(typ string, data []byte) (string, []byte, error) {
	data, err := withoutNUL(data)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", typ, err)
	}
	for seen := 0; ; seen++ {
		up, ok := r.upcasters[typ]
		if !ok {
			return typ, data, nil
		}
		if seen > len(r.upcasters) {
			return "", nil, fmt.Errorf("upcaster cycle at %s", typ)
		}
		next, nd, err := up(data)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", typ, err)
		}
		typ, data = next, nd
	}
}

// Upcast returns rec as its newest version: Type and Data are replaced by the
// upcast wire type and payload when upcasters apply; everything else (id,
// stream, version, position, metadata) is kept. Consumers outside the process
// (the SSE stream, JetStream, the CLI) see events through it, so they only
// ever meet current wire types.
func (r *Registry) Upcast(rec eventlog.RecordedEvent) (eventlog.RecordedEvent, error) {
	typ, data, err := r.upcast(rec.Type, rec.Data)
	if err != nil {
		return rec, fmt.Errorf("codec: upcast %s@%d: %w", rec.StreamID, rec.Version, err)
	}
	rec.Type, rec.Data = typ, data
	return rec, nil
}

// Upcasters lists the old wire types that have an upcaster, sorted.
func (r *Registry) Upcasters() []string {
	out := make([]string, 0, len(r.upcasters))
	for t := range r.upcasters {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
