// Package messaging is the Watermill side of the backend: a message.Subscriber
// over the event log (LogSubscriber), a router with the project's middleware
// (NewRouter: Recoverer, Retry and the poison policy), and RunConsumer, which
// runs one checkpointed consumer through its own router (what the projection
// engine and side-effect handlers need).
//
// # Consumers, topics and checkpoints
//
// A topic of the LogSubscriber is a consumer name. Subscribe loads that
// consumer's checkpoint through the CheckpointReader port and opens a catch-up
// subscription to the global log after it, so the consumer name is also the
// checkpoint key and the router handler's name: it must be stable. Renaming a
// consumer starts it from its new name's checkpoint.
//
// # Messages
//
// Every event becomes one message: UUID = event id, payload = event data, and
// the metadata keys Metadata* below. EventFromMessage turns such a message
// back into an eventlog.RecordedEvent. Delivery is strictly in log order: the
// next message is sent only after the previous one was acked; a nacked message
// is sent again after a short pause (WithNackDelay).
//
// A consumer that asked for pages (WithPageSize; RunConsumer does) may, while
// it catches up, get page messages (IsPage) instead: a run of consecutive
// events in one message, payload = the events (EventsFromPage), metadata
// MetadataPage (their number), MetadataPosition (the last one's position)
// and MetadataBacklog. EventHandler handles a page as its events one by one;
// retries and parking always concern a single event message (see page.go).
// Live events, and an event of a page that failed, come alone.
//
// A consumer that registered a filter (WithFilter) and asked for progress
// (WithProgress) also gets progress messages (IsProgress): no payload, only
// MetadataPosition, telling that every event up to that position that the
// filter lets through has been delivered. A consumer records the position as
// its checkpoint, so its checkpoint reaches the head of the log even when it
// ignores most events.
package messaging

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Metadata keys of event messages.
const (
	// MetadataType is the event's wire type, e.g. "CardUsed_v1".
	MetadataType = "type"
	// MetadataStream is the event's stream id, e.g. "card-1042".
	MetadataStream = "stream"
	// MetadataVersion is the event's 0-based version in its stream, decimal.
	MetadataVersion = "version"
	// MetadataPosition is the event's global position, eventlog.Position.String().
	// Progress messages carry it too.
	MetadataPosition = "position"
	// MetadataRecordedAt is when the event was stored, RFC 3339 with nanoseconds.
	MetadataRecordedAt = "recorded_at"
	// MetadataMetadata is the event's raw metadata JSON (eventlog.Metadata).
	MetadataMetadata = "metadata"
	// MetadataProgress is "true" on progress messages, absent on events.
	MetadataProgress = "progress"
	// MetadataBacklog is "true" on an event message when the next event was
	// already waiting in the subscriber as it was sent: the consumer is
	// catching up, and may keep its transaction open for the next message
	// (a hint; nothing breaks when it is wrong).
	MetadataBacklog = "backlog"
	// MetadataPage is the number of events, decimal, of a page message
	// (NewPageMessage), absent on other messages. Such a message also has
	// MetadataPosition (its last event's) and MetadataBacklog.
	MetadataPage = "page"
	// MetadataFailedInPage is "true" on an event message sent alone because
	// its handler failed in a page: that was its first attempt, and the
	// router's retries go on from there (see page.go).
	MetadataFailedInPage = "failed_in_page"
)

// NewEventMessage returns the message for a recorded event.
func NewEventMessage(ev eventlog.RecordedEvent) *message.Message {
	msg := message.NewMessage(ev.ID, message.Payload(ev.Data))
	msg.Metadata.Set(MetadataType, ev.Type)
	msg.Metadata.Set(MetadataStream, ev.StreamID)
	msg.Metadata.Set(MetadataVersion, strconv.FormatUint(ev.Version, 10))
	msg.Metadata.Set(MetadataPosition, ev.Position.String())
	msg.Metadata.Set(MetadataRecordedAt, ev.RecordedAt.UTC().Format(time.RFC3339Nano))
	msg.Metadata.Set(MetadataMetadata, string(ev.Metadata))
	return msg
}

// NewProgressMessage returns a progress message for position pos.
func NewProgressMessage(pos eventlog.Position) *message.Message {
	msg := message.NewMessage(watermill.NewUUID(), nil)
	msg.Metadata.Set(MetadataProgress, "true")
	msg.Metadata.Set(MetadataPosition, pos.String())
	return msg
}

// IsProgress reports whether msg is a progress message rather than an event.
func IsProgress(msg *message.Message) bool {
	return msg.Metadata.Get(MetadataProgress) == "true"
}

// MessagePosition returns the global position a message carries (events and
// progress messages alike).
func MessagePosition(msg *message.Message) (eventlog.Position, error) {
	p, err := eventlog.ParsePosition(msg.Metadata.Get(MetadataPosition))
	if err != nil {
		return eventlog.Position{}, fmt.Errorf("messaging: message %s: %w", msg.UUID, err)
	}
	return p, nil
}

// EventFromMessage turns an event message back into the recorded event. It
// fails for progress messages, pages (see EventsFromPage) and messages not
// made by NewEventMessage.
func EventFromMessage(msg *message.Message) (eventlog.RecordedEvent, error) {
	if IsProgress(msg) {
		return eventlog.RecordedEvent{}, fmt.Errorf("messaging: message %s is a progress message, not an event", msg.UUID)
	}
	if IsPage(msg) {
		return eventlog.RecordedEvent{}, fmt.Errorf("messaging: message %s is a page of %s events, not one event", msg.UUID, msg.Metadata.Get(MetadataPage))
	}
	pos, err := MessagePosition(msg)
	if err != nil {
		return eventlog.RecordedEvent{}, err
	}
	version, err := strconv.ParseUint(msg.Metadata.Get(MetadataVersion), 10, 64)
	if err != nil {
		return eventlog.RecordedEvent{}, fmt.Errorf("messaging: message %s: version: %w", msg.UUID, err)
	}
	recordedAt, err := time.Parse(time.RFC3339Nano, msg.Metadata.Get(MetadataRecordedAt))
	if err != nil {
		return eventlog.RecordedEvent{}, fmt.Errorf("messaging: message %s: recorded_at: %w", msg.UUID, err)
	}
	ev := eventlog.RecordedEvent{
		ID:         msg.UUID,
		StreamID:   msg.Metadata.Get(MetadataStream),
		Version:    version,
		Position:   pos,
		Type:       msg.Metadata.Get(MetadataType),
		Data:       []byte(msg.Payload),
		RecordedAt: recordedAt,
	}
	if m := msg.Metadata.Get(MetadataMetadata); m != "" {
		ev.Metadata = []byte(m)
	}
	if ev.StreamID == "" || ev.Type == "" {
		return eventlog.RecordedEvent{}, fmt.Errorf("messaging: message %s is not an event message (no stream or type)", msg.UUID)
	}
	return ev, nil
}
