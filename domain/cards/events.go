// Package cards is the card system of seed 002: card templates per category,
// batches that generate a contiguous range of card ids, single-use cards whose
// codes carry an HMAC check part, and the QR code exports of a batch.
//
// It is pure: decisions take the current state, the time and allocated ids as
// arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	cardtemplate-<id>       TemplateCreated, TemplateUpdated, TemplateDeleted
//	cardbatch-<id>          BatchCreated, BatchUpdated, BatchPublished, BatchUnpublished,
//	                        BatchDeleted, QRCodesRequested, QRCodesGenerated
//	cardbatchcode-<CODE>    BatchCodeReserved (one event: makes batch codes unique and
//	                        maps a card code's batch code to its batch)
//	card-<id>               CardUsed (at most one: the stream's expected version
//	                        makes a card usable exactly once)
//
// Ids come from sequences (domain/sequence): "cardtemplate", "cardbatch", "card"
// (the global card id sequence; a batch allocates its whole range at once) and
// "cardbatchcode_<category>_<yyyymmdd>" (the daily counter of default batch codes).
// The stream categories are prefixed with "card" so they cannot collide with
// the other modules' streams in the shared log.
package cards

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories.
const (
	TemplateCategory  = "cardtemplate"
	BatchCategory     = "cardbatch"
	CardCategory      = "card"
	BatchCodeCategory = "cardbatchcode"
)

// Sequence names (domain/sequence) of the module's ids.
const (
	TemplateSequence = "cardtemplate"
	BatchSequence    = "cardbatch"
	CardSequence     = "card"
)

// TemplateStream, BatchStream, CardStream and BatchCodeStream name the streams.
func TemplateStream(id int64) string {
	return eventlog.StreamID(TemplateCategory, strconv.FormatInt(id, 10))
}
func BatchStream(id int64) string { return eventlog.StreamID(BatchCategory, strconv.FormatInt(id, 10)) }
func CardStream(id int64) string  { return eventlog.StreamID(CardCategory, strconv.FormatInt(id, 10)) }
func BatchCodeStream(code string) string {
	return eventlog.StreamID(BatchCodeCategory, NormalizeBatchCode(code))
}

// Wire names of the events.
const (
	EventTemplateCreated   = "TemplateCreated_v1"
	EventTemplateUpdated   = "TemplateUpdated_v1"
	EventTemplateDeleted   = "TemplateDeleted_v1"
	EventBatchCodeReserved = "BatchCodeReserved_v1"
	EventBatchCreated      = "BatchCreated_v1"
	EventBatchUpdated      = "BatchUpdated_v1"
	EventBatchPublished    = "BatchPublished_v1"
	EventBatchUnpublished  = "BatchUnpublished_v1"
	EventBatchDeleted      = "BatchDeleted_v1"
	EventCardUsed          = "CardUsed_v1"
	EventQRCodesRequested  = "QRCodesRequested_v1"
	EventQRCodesGenerated  = "QRCodesGenerated_v1"
)

// Events lists the package's event prototypes for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		TemplateCreated{}, TemplateUpdated{}, TemplateDeleted{},
		BatchCodeReserved{}, BatchCreated{}, BatchUpdated{}, BatchPublished{}, BatchUnpublished{}, BatchDeleted{},
		CardUsed{}, QRCodesRequested{}, QRCodesGenerated{},
	}
}

// EventTypes lists the wire names of Events, for subscription filters.
func EventTypes() []string {
	evs := Events()
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventType()
	}
	return out
}

// Categories lists the stream categories of the module.
func Categories() []string {
	return []string{TemplateCategory, BatchCategory, BatchCodeCategory, CardCategory}
}

// TemplateCreated records a new card template. Attributes were validated for
// the category.
type TemplateCreated struct {
	TemplateID  int64          `json:"template_id"`
	Name        string         `json:"name"`
	Category    Category       `json:"category"`
	Description string         `json:"description"`
	Image       string         `json:"image"`
	Attributes  map[string]any `json:"attributes"`
	Rarity      Rarity         `json:"rarity"`
	IsActive    bool           `json:"is_active"`
	CreatedAt   time.Time      `json:"created_at"`
}

// TemplateUpdated replaces a template's fields (the category never changes).
type TemplateUpdated struct {
	TemplateID  int64          `json:"template_id"`
	Name        string         `json:"name"`
	Category    Category       `json:"category"`
	Description string         `json:"description"`
	Image       string         `json:"image"`
	Attributes  map[string]any `json:"attributes"`
	Rarity      Rarity         `json:"rarity"`
	IsActive    bool           `json:"is_active"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// TemplateDeleted hides a template; its history and the batches made from it
// stay.
type TemplateDeleted struct {
	TemplateID int64     `json:"template_id"`
	DeletedAt  time.Time `json:"deleted_at"`
}

// BatchCodeReserved claims a batch code for a batch, on the stream
// cardbatchcode-<CODE>, appended with "no stream" so a code is claimed once.
type BatchCodeReserved struct {
	BatchCode  string    `json:"batch_code"`
	BatchID    int64     `json:"batch_id"`
	ReservedAt time.Time `json:"reserved_at"`
}

// BatchCreated records a batch and, implicitly, its cards: ids StartID..EndID
// (inclusive) of the global card sequence. It snapshots the template fields the
// batch's cards need.
type BatchCreated struct {
	BatchID       int64     `json:"batch_id"`
	Name          string    `json:"name"`
	TemplateID    int64     `json:"template_id"`
	TemplateName  string    `json:"template_name"`
	Category      Category  `json:"category"`
	TotalQuantity int       `json:"total_quantity"`
	StartID       int64     `json:"start_id"`
	EndID         int64     `json:"end_id"`
	BatchCode     string    `json:"batch_code"`
	ExpiryDate    *string   `json:"expiry_date"` // YYYY-MM-DD; nil: never expires
	QRCodeBaseURL string    `json:"qr_code_base_url"`
	CreatedAt     time.Time `json:"created_at"`
}

// BatchUpdated replaces a batch's editable fields.
type BatchUpdated struct {
	BatchID       int64     `json:"batch_id"`
	Name          string    `json:"name"`
	ExpiryDate    *string   `json:"expiry_date"`
	QRCodeBaseURL string    `json:"qr_code_base_url"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// BatchPublished makes a batch's cards usable.
type BatchPublished struct {
	BatchID     int64     `json:"batch_id"`
	PublishedAt time.Time `json:"published_at"`
}

// BatchUnpublished makes a batch's cards unusable again.
type BatchUnpublished struct {
	BatchID       int64     `json:"batch_id"`
	UnpublishedAt time.Time `json:"unpublished_at"`
}

// BatchDeleted hides a batch and its cards; its history, its code and its id
// range stay taken.
type BatchDeleted struct {
	BatchID   int64     `json:"batch_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// CardUsed records the single use of a card, with the usage log's facts.
type CardUsed struct {
	CardID     int64     `json:"card_id"`
	BatchID    int64     `json:"batch_id"`
	TemplateID int64     `json:"template_id"`
	Category   Category  `json:"category"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username"`
	IPAddress  string    `json:"ip_address"`
	UserAgent  string    `json:"user_agent"`
	UsedAt     time.Time `json:"used_at"`
}

// QRCodesRequested records that an admin asked for the QR code export of a
// batch; the export worker builds the zip and records QRCodesGenerated.
type QRCodesRequested struct {
	BatchID     int64     `json:"batch_id"`
	Count       int       `json:"count"`
	RequestedBy string    `json:"requested_by"`
	ExpiresAt   time.Time `json:"expires_at"` // of the download link handed out
	RequestedAt time.Time `json:"requested_at"`
}

// QRCodesGenerated records a built QR code zip of a batch.
type QRCodesGenerated struct {
	BatchID        int64     `json:"batch_id"`
	GeneratedCount int       `json:"generated_count"`
	File           string    `json:"file"`
	SizeBytes      int64     `json:"size_bytes"`
	SHA256         string    `json:"sha256"`
	GeneratedAt    time.Time `json:"generated_at"`
}

func (TemplateCreated) EventType() string   { return EventTemplateCreated }
func (TemplateUpdated) EventType() string   { return EventTemplateUpdated }
func (TemplateDeleted) EventType() string   { return EventTemplateDeleted }
func (BatchCodeReserved) EventType() string { return EventBatchCodeReserved }
func (BatchCreated) EventType() string      { return EventBatchCreated }
func (BatchUpdated) EventType() string      { return EventBatchUpdated }
func (BatchPublished) EventType() string    { return EventBatchPublished }
func (BatchUnpublished) EventType() string  { return EventBatchUnpublished }
func (BatchDeleted) EventType() string      { return EventBatchDeleted }
func (CardUsed) EventType() string          { return EventCardUsed }
func (QRCodesRequested) EventType() string  { return EventQRCodesRequested }
func (QRCodesGenerated) EventType() string  { return EventQRCodesGenerated }
