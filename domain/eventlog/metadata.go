package eventlog

import "time"

// Metadata travels with every event, beside (not inside) its payload: who did
// it, from where, and which request caused it. It is stored as JSON with these
// snake_case keys in RecordedEvent.Metadata.
type Metadata struct {
	// CorrelationID ties together every event caused by one request.
	CorrelationID string `json:"correlation_id,omitempty"`
	// CausationID is the id of the message (request or event) that caused this one.
	CausationID string `json:"causation_id,omitempty"`
	// UserID is the acting user's id; empty for anonymous or system actions.
	UserID string `json:"user_id,omitempty"`
	// ClientIP and UserAgent are recorded where a seed API asks to log them.
	ClientIP  string `json:"client_ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	// OccurredAt is when the command was decided (the command's clock).
	OccurredAt time.Time `json:"occurred_at"`
	// TraceParent is the W3C traceparent of the traced request that caused
	// the event ("00-<trace id>-<span id>-<flags>"); its consumers continue
	// that trace. Empty when tracing is off.
	TraceParent string `json:"traceparent,omitempty"`
}

// Envelope is a recorded event decoded for its consumers (projectors, side
// effect handlers, the audit tooling).
type Envelope struct {
	Recorded RecordedEvent
	Event    Event
	Meta     Metadata
}

// Decoder turns recorded events into domain events, applying upcasters. The
// codec in transport/eventstore implements it; consumers declare it as their
// port.
type Decoder interface {
	Decode(r RecordedEvent) (Envelope, error)
}
