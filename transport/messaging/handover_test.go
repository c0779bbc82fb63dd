package messaging

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
)

// BenchmarkPageHandOver hands a page of 256 card uses (a catch-up's) to its
// handler as the subscriber does (the message, its copy for the send, the
// handler's EventsFromPage): in a payload, as before 2026-12-05 23:50, and
// in the message's context, as now.
func BenchmarkPageHandOver(b *testing.B) {
	events := make([]eventlog.RecordedEvent, DefaultPageSize)
	for i := range events {
		events[i] = eventlog.RecordedEvent{ID: uuid.NewString(), StreamID: fmt.Sprintf("card-%d", 1_000_000+i), Type: "CardUsed",
			Position: eventlog.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}, RecordedAt: time.Now().UTC(),
			Data: []byte(strings.Repeat("d", 400)), Metadata: []byte(strings.Repeat("m", 200))}
	}
	b.Run("payload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := NewPageMessage(events).Copy()
			m.SetContext(context.Background())
			if _, err := EventsFromPage(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("context", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := newPageHeader(events).Copy()
			m.SetContext(withPageEvents(context.Background(), events))
			if _, err := EventsFromPage(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
