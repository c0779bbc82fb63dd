package cards

import (
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned when the requested row does not exist (or may not
// be seen by the caller).
var ErrNotFound = errors.New("not found")

// Page selects a page of a list: Number is 1-based.
type Page struct {
	Number int
	Size   int
}

// Offset is the number of rows before the page.
func (p Page) Offset() int64 { return int64(p.Number-1) * int64(p.Size) }

// List is a page of a list and the count of all matching rows.
type List[T any] struct {
	Count int64
	Items []T
}

// Template is a template as 002 §1 shows it.
type Template struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Category    string         `json:"category"`
	Description string         `json:"description"`
	Image       string         `json:"image"`
	Attributes  map[string]any `json:"attributes"`
	Rarity      string         `json:"rarity"`
	IsActive    bool           `json:"is_active"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Batch is a batch as 002 §2 shows it.
type Batch struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Template          int64     `json:"template"`
	TemplateName      string    `json:"template_name"`
	Category          string    `json:"category"`
	TotalQuantity     int       `json:"total_quantity"`
	GeneratedQuantity int       `json:"generated_quantity"`
	UsedQuantity      int       `json:"used_quantity"`
	StartID           int64     `json:"start_id"`
	EndID             int64     `json:"end_id"`
	BatchCode         string    `json:"batch_code"`
	IsPublished       bool      `json:"is_published"`
	ExpiryDate        *string   `json:"expiry_date"`
	QRCodeBaseURL     string    `json:"qr_code_base_url"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Card is a card as 002 §3.1 lists it. QRCodeImage is filled in by the
// transport, which knows the server's public address.
type Card struct {
	ID             int64      `json:"id"`
	Batch          int64      `json:"batch"`
	BatchName      string     `json:"batch_name"`
	Template       int64      `json:"template"`
	TemplateName   string     `json:"template_name"`
	Category       string     `json:"category"`
	CardCode       string     `json:"card_code"`
	QRCode         string     `json:"qr_code"`
	QRCodeImage    string     `json:"qr_code_image"`
	IsUsed         bool       `json:"is_used"`
	UsedBy         *int64     `json:"used_by"`
	UsedByUsername *string    `json:"used_by_username"`
	UsedAt         *time.Time `json:"used_at"`
	ExpiresAt      *time.Time `json:"expires_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

// CardBatch and CardTemplate are the nested objects of a card's detail.
type CardBatch struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

type CardTemplate struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Category   string         `json:"category"`
	Attributes map[string]any `json:"attributes"`
	Rarity     string         `json:"rarity"`
}

// CardDetail is a card as 002 §3.2 shows it.
type CardDetail struct {
	ID             int64        `json:"id"`
	Batch          CardBatch    `json:"batch"`
	Template       CardTemplate `json:"template"`
	CardCode       string       `json:"card_code"`
	QRCode         string       `json:"qr_code"`
	QRCodeImage    string       `json:"qr_code_image"`
	IsUsed         bool         `json:"is_used"`
	UsedBy         *int64       `json:"used_by"`
	UsedByUsername *string      `json:"used_by_username"`
	UsedAt         *time.Time   `json:"used_at"`
	ExpiresAt      *time.Time   `json:"expires_at"`
	CreatedAt      time.Time    `json:"created_at"`
}

// UsedCardTemplate is the template inside a user's card (002 §4.1).
type UsedCardTemplate struct {
	Name       string         `json:"name"`
	Category   string         `json:"category"`
	Attributes map[string]any `json:"attributes"`
	Rarity     string         `json:"rarity"`
}

// UsedCardRef is the card inside a user's card.
type UsedCardRef struct {
	ID       int64            `json:"id"`
	CardCode string           `json:"card_code"`
	Template UsedCardTemplate `json:"template"`
}

// UserCard is one entry of a user's card list (002 §4.1). The usage log id is
// the card id: a card is used once.
type UserCard struct {
	UsageLogID int64       `json:"usage_log_id"`
	Card       UsedCardRef `json:"card"`
	UsedAt     time.Time   `json:"used_at"`
	IPAddress  string      `json:"ip_address"`
}

// AvailableBatch is a published, unexpired batch with unused cards.
type AvailableBatch struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	AvailableQuantity int    `json:"available_quantity"`
}

// CategoryTemplate is a template of a category with its available batches.
type CategoryTemplate struct {
	ID               int64            `json:"id"`
	Name             string           `json:"name"`
	Description      string           `json:"description"`
	Attributes       map[string]any   `json:"attributes"`
	Rarity           string           `json:"rarity"`
	AvailableBatches []AvailableBatch `json:"available_batches"`
}

// Category is the answer of 002 §5.1.
type Category struct {
	Category  string             `json:"category"`
	Templates []CategoryTemplate `json:"templates"`
}

func attributes(raw []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(raw) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func dateString(d *time.Time) *string {
	if d == nil {
		return nil
	}
	s := d.Format("2006-01-02")
	return &s
}

// expiresAt is the end of an expiry date (23:59:59 UTC), as cards show it.
func expiresAt(d *time.Time) *time.Time {
	if d == nil {
		return nil
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, time.UTC)
	return &t
}
