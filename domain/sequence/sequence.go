// Package sequence hands out integer ids from a named, gap-free, never-reused
// range, as an event-sourced aggregate: each allocation is an IDsAllocated
// event on the stream "sequence-<name>", so concurrent allocators are ordered by
// the stream's expected version and an auditor can see who got which ids.
// A decision reads only the stream's last event.
package sequence

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Category is the stream category of sequences.
const Category = "sequence"

// EventIDsAllocated is the wire name of IDsAllocated.
const EventIDsAllocated = "IDsAllocated_v2"

// EventIDsAllocatedV1 is the wire name of the first version of IDsAllocated,
// still in the log: {"sequence", "first", "last", "owner"}. The codec upcasts
// it to IDsAllocated_v2 when it is read (see UpcastIDsAllocatedV1).
const EventIDsAllocatedV1 = "IDsAllocated_v1"

// IDsAllocated records that ids First..Last (inclusive) of a sequence were given
// to the stream OwnerStream (e.g. "batch-7"). Count is the number of ids
// (Last-First+1), explicit so that consumers outside the process need not
// know the range is inclusive. Version 2: v1 called the owner "owner" and
// had no count.
type IDsAllocated struct {
	Sequence    string `json:"sequence"`
	First       int64  `json:"first"`
	Last        int64  `json:"last"`
	Count       int64  `json:"count"`
	OwnerStream string `json:"owner_stream,omitempty"`
}

// UpcastIDsAllocatedV1 turns an IDsAllocated_v1 payload into IDsAllocated_v2:
// "owner" becomes "owner_stream" and "count" is derived from the range. It is
// pure, so the codec (transport/eventstore/codec) registers it as is.
func UpcastIDsAllocatedV1(data []byte) (string, []byte, error) {
	var v1 struct {
		Sequence string `json:"sequence"`
		First    int64  `json:"first"`
		Last     int64  `json:"last"`
		Owner    string `json:"owner,omitempty"`
	}
	if err := json.Unmarshal(data, &v1); err != nil {
		return "", nil, fmt.Errorf("sequence: upcast %s: %w", EventIDsAllocatedV1, err)
	}
	out, err := json.Marshal(IDsAllocated{Sequence: v1.Sequence, First: v1.First, Last: v1.Last, Count: v1.Last - v1.First + 1, OwnerStream: v1.Owner})
	if err != nil {
		return "", nil, err
	}
	return EventIDsAllocated, out, nil
}

// EventType implements eventlog.Event.
func (IDsAllocated) EventType() string { return EventIDsAllocated }

// Events lists the package's events for the codec.
func Events() []eventlog.Event { return []eventlog.Event{IDsAllocated{}} }

// StreamID is the stream of the named sequence.
func StreamID(name string) string { return eventlog.StreamID(Category, name) }

// ErrBadCount is returned for a non-positive allocation.
var ErrBadCount = errors.New("sequence: count must be positive")

// Allocate decides the next allocation of count ids after last (the sequence's
// last event, nil when none was allocated yet). The first id is 1 unless start
// says otherwise.
func Allocate(name string, last *IDsAllocated, count int64, start int64, owner string) (IDsAllocated, error) {
	if count <= 0 {
		return IDsAllocated{}, fmt.Errorf("%w: %d", ErrBadCount, count)
	}
	first := start
	if first < 1 {
		first = 1
	}
	if last != nil && last.Last+1 > first {
		first = last.Last + 1
	}
	return IDsAllocated{Sequence: name, First: first, Last: first + count - 1, Count: count, OwnerStream: owner}, nil
}
