package codec_test

import (
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// cardUsed has the shape of the card projections' most frequent event.
type cardUsed struct {
	CardID     int64     `json:"card_id"`
	BatchID    int64     `json:"batch_id"`
	TemplateID int64     `json:"template_id"`
	Category   string    `json:"category"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username"`
	IPAddress  string    `json:"ip_address"`
	UserAgent  string    `json:"user_agent"`
	UsedAt     time.Time `json:"used_at"`
}

func (cardUsed) EventType() string { return "CardUsed_v1" }

func benchRecord(b *testing.B) (*codec.Registry, eventlog.RecordedEvent) {
	reg, err := codec.New(cardUsed{})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 17, 0, 0, 123456789, time.UTC)
	ed, err := reg.Encode("9b2c6a4e-5f1d-4c1e-8a53-0d6f1c2b7e11", cardUsed{
		CardID: 104233, BatchID: 812, TemplateID: 17, Category: "dance", UserID: 99321,
		Username: "user99321", IPAddress: "10.1.2.3", UserAgent: "loadgen/1.0 (linux)", UsedAt: at,
	}, eventlog.Metadata{
		CorrelationID: "5d1f6c0e-2b8a-4f7e-9c3d-1a2b3c4d5e6f", CausationID: "5d1f6c0e-2b8a-4f7e-9c3d-1a2b3c4d5e6f",
		UserID: "99321", ClientIP: "10.1.2.3", UserAgent: "loadgen/1.0 (linux)", OccurredAt: at,
	})
	if err != nil {
		b.Fatal(err)
	}
	return reg, eventlog.RecordedEvent{
		ID: ed.ID, StreamID: "card-104233", Version: 3, Position: eventlog.Position{Commit: 1, Prepare: 1},
		Type: ed.Type, Data: ed.Data, Metadata: ed.Metadata, RecordedAt: at,
	}
}

// BenchmarkDecode decodes a card event with full metadata: what every
// projector pays per event it receives.
func BenchmarkDecode(b *testing.B) {
	reg, rec := benchRecord(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Decode(rec); err != nil {
			b.Fatal(err)
		}
	}
}
