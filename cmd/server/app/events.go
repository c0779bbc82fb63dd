package app

import (
	"fmt"

	identity "github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// upcaster is one old wire type the codec still reads, and how. The event
// catalogue (docs/events.md) lists them; see TestEventCatalogue.
type upcaster struct {
	From, To string
	// Doc says what changed, for the catalogue.
	Doc string
	Up  codec.Upcaster
}

// upcasters lists every old event version still in the log. Changing an
// event's meaning means a new wire version in the domain and an entry here;
// history is never edited.
func upcasters() []upcaster {
	return []upcaster{
		{
			From: sequence.EventIDsAllocatedV1, To: sequence.EventIDsAllocated,
			Doc: "`owner` became `owner_stream`; `count` (= last − first + 1) was added.",
			Up:  sequence.UpcastIDsAllocatedV1,
		},
		{
			From: identity.EventUserRegisteredV1, To: identity.EventUserRegistered,
			Doc: "the address in clear (`email`) became `email_digest` + `email_ref` (sealed in the personal-data vault); v1 events read with the address as `legacy_email`.",
			Up:  identity.UpcastUserRegisteredV1,
		},
	}
}

// NewCodec returns the codec of every event type and upcaster: the server,
// the CLI and the consumers outside the process all read the log through it,
// so they all see the newest version of every event.
func NewCodec() (*codec.Registry, error) {
	reg, err := codec.New(events()...)
	if err != nil {
		return nil, fmt.Errorf("codec: %w", err)
	}
	for _, u := range upcasters() {
		if err := reg.RegisterUpcaster(u.From, u.Up); err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
	}
	return reg, nil
}
