package cards

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
)

// MaxBatchQuantity is the most cards a batch may have (002 §10.2).
const MaxBatchQuantity = 10000

// DateLayout is the layout of expiry dates.
const DateLayout = "2006-01-02"

// BatchInput is what a client sends to create or update a batch; nil pointers
// are fields the client left out.
type BatchInput struct {
	Name          *string
	TemplateID    *int64
	TotalQuantity *int64
	// ExpiryDate is YYYY-MM-DD; ExpiryDateSet with a nil ExpiryDate is an
	// explicit null (no expiry).
	ExpiryDate    *string
	ExpiryDateSet bool
	BatchCode     *string
	QRCodeBaseURL *string
	IsPublished   *bool
}

// BatchSpec is a validated create request.
type BatchSpec struct {
	Name          string
	TemplateID    int64
	TotalQuantity int
	ExpiryDate    *string
	// BatchCode is empty when the default code is to be generated.
	BatchCode     string
	QRCodeBaseURL string
	Publish       bool
}

// NewBatchSpec validates a create request. today is the current UTC date: an
// expiry date before it is refused. defaultQRBase is used when the client
// gives no qr_code_base_url.
func NewBatchSpec(in BatchInput, now time.Time, defaultQRBase string) (BatchSpec, error) {
	var s BatchSpec
	if in.Name == nil {
		return s, invalid("name", "该字段是必填项")
	}
	name, err := validName(*in.Name)
	if err != nil {
		return s, err
	}
	s.Name = name
	if in.TemplateID == nil {
		return s, invalid("template", "该字段是必填项")
	}
	if *in.TemplateID <= 0 {
		return s, invalid("template", "无效的模板 ID %d", *in.TemplateID)
	}
	s.TemplateID = *in.TemplateID
	if in.TotalQuantity == nil {
		return s, invalid("total_quantity", "该字段是必填项")
	}
	if q := *in.TotalQuantity; q < 1 || q > MaxBatchQuantity {
		return s, invalid("total_quantity", "必须在 1 到 %d 之间", MaxBatchQuantity)
	}
	s.TotalQuantity = int(*in.TotalQuantity)
	if in.ExpiryDate != nil {
		d, err := ParseDate("expiry_date", *in.ExpiryDate)
		if err != nil {
			return s, err
		}
		if d.Before(day(now)) {
			return s, invalid("expiry_date", "不能早于今天")
		}
		str := d.Format(DateLayout)
		s.ExpiryDate = &str
	}
	if in.BatchCode != nil && strings.TrimSpace(*in.BatchCode) != "" {
		code, err := ValidateBatchCode(*in.BatchCode)
		if err != nil {
			return s, err
		}
		s.BatchCode = code
	}
	s.QRCodeBaseURL = defaultQRBase
	if in.QRCodeBaseURL != nil {
		u := strings.TrimSpace(*in.QRCodeBaseURL)
		if u != "" && !validURL(u) {
			return s, invalid("qr_code_base_url", "必须是 http(s) URL")
		}
		if len(u) > MaxImageLength {
			return s, invalid("qr_code_base_url", "不能超过 %d 个字符", MaxImageLength)
		}
		if u != "" {
			s.QRCodeBaseURL = u
		}
	}
	if in.IsPublished != nil {
		s.Publish = *in.IsPublished
	}
	return s, nil
}

func validName(n string) (string, error) {
	n = strings.TrimSpace(n)
	if n == "" {
		return "", invalid("name", "不能为空")
	}
	if utf8.RuneCountInString(n) > MaxNameLength {
		return "", invalid("name", "不能超过 %d 个字符", MaxNameLength)
	}
	return n, nil
}

// ParseDate parses a YYYY-MM-DD date of field.
func ParseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, invalid(field, "日期格式错误，应为 YYYY-MM-DD")
	}
	return d, nil
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CreateBatch decides the creation of batch id from a validated spec, the
// batch's template (which must exist), the first id of the card range
// allocated for it and its (reserved) batch code.
func CreateBatch(id int64, spec BatchSpec, tmpl Template, firstCardID int64, code string, now time.Time) ([]eventlog.Event, error) {
	if !tmpl.Exists() {
		return nil, invalid("template", "模板 %d 不存在", spec.TemplateID)
	}
	if firstCardID <= 0 {
		return nil, invalid("total_quantity", "无效的卡片 ID 范围")
	}
	now = now.UTC()
	evs := []eventlog.Event{BatchCreated{
		BatchID: id, Name: spec.Name, TemplateID: tmpl.ID, TemplateName: tmpl.Spec.Name, Category: tmpl.Spec.Category,
		TotalQuantity: spec.TotalQuantity, StartID: firstCardID, EndID: firstCardID + int64(spec.TotalQuantity) - 1,
		BatchCode: NormalizeBatchCode(code), ExpiryDate: spec.ExpiryDate, QRCodeBaseURL: spec.QRCodeBaseURL, CreatedAt: now,
	}}
	if spec.Publish {
		evs = append(evs, BatchPublished{BatchID: id, PublishedAt: now})
	}
	return evs, nil
}

// Batch is a batch's state, folded from its stream.
type Batch struct {
	ID            int64
	Name          string
	TemplateID    int64
	TemplateName  string
	Category      Category
	TotalQuantity int
	StartID       int64
	EndID         int64
	BatchCode     string
	ExpiryDate    *string
	QRCodeBaseURL string
	Published     bool
	Deleted       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	exists        bool
}

// BatchFrom folds a batch's events.
func BatchFrom(events []eventlog.Event) Batch {
	var b Batch
	for _, e := range events {
		b = b.apply(e)
	}
	return b
}

func (b Batch) apply(e eventlog.Event) Batch {
	switch e := e.(type) {
	case BatchCreated:
		b = Batch{ID: e.BatchID, Name: e.Name, TemplateID: e.TemplateID, TemplateName: e.TemplateName, Category: e.Category,
			TotalQuantity: e.TotalQuantity, StartID: e.StartID, EndID: e.EndID, BatchCode: e.BatchCode,
			ExpiryDate: e.ExpiryDate, QRCodeBaseURL: e.QRCodeBaseURL, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt, exists: true}
	case BatchUpdated:
		b.Name, b.ExpiryDate, b.QRCodeBaseURL, b.UpdatedAt = e.Name, e.ExpiryDate, e.QRCodeBaseURL, e.UpdatedAt
	case BatchPublished:
		b.Published, b.UpdatedAt = true, e.PublishedAt
	case BatchUnpublished:
		b.Published, b.UpdatedAt = false, e.UnpublishedAt
	case BatchDeleted:
		b.Deleted, b.UpdatedAt = true, e.DeletedAt
	}
	return b
}

// Exists reports whether the batch was created and not deleted.
func (b Batch) Exists() bool { return b.exists && !b.Deleted }

// Contains reports whether card id belongs to the batch.
func (b Batch) Contains(cardID int64) bool { return cardID >= b.StartID && cardID <= b.EndID }

// ExpiresAt is the last instant the batch's cards are shown as valid: the
// expiry date at 23:59:59 UTC. Nil when the batch never expires.
func (b Batch) ExpiresAt() *time.Time { return ExpiresAt(b.ExpiryDate) }

// ExpiresAt turns an expiry date into its displayed end (23:59:59 UTC).
func ExpiresAt(expiryDate *string) *time.Time {
	if expiryDate == nil {
		return nil
	}
	d, err := time.Parse(DateLayout, *expiryDate)
	if err != nil {
		return nil
	}
	t := d.Add(24*time.Hour - time.Second)
	return &t
}

// Expired reports whether the batch's cards have expired at now: a card is
// valid through the whole expiry date (UTC).
func (b Batch) Expired(now time.Time) bool {
	if b.ExpiryDate == nil {
		return false
	}
	d, err := time.Parse(DateLayout, *b.ExpiryDate)
	if err != nil {
		return false
	}
	return !now.Before(d.Add(24 * time.Hour))
}

// Update decides a change of the batch (full: PUT, name required). A batch's
// template, batch code and card range are fixed when it is created: asking for
// more cards is BATCH_FULL, for fewer, a different template or code is
// INVALID_INPUT. An expiry date in the past is allowed (it expires the cards).
func (b Batch) Update(in BatchInput, full bool, now time.Time) ([]eventlog.Event, error) {
	if !b.Exists() {
		return nil, ErrBatchNotFound
	}
	now = now.UTC()
	upd := BatchUpdated{BatchID: b.ID, Name: b.Name, ExpiryDate: b.ExpiryDate, QRCodeBaseURL: b.QRCodeBaseURL, UpdatedAt: now}
	if in.Name == nil {
		if full {
			return nil, invalid("name", "该字段是必填项")
		}
	} else {
		n, err := validName(*in.Name)
		if err != nil {
			return nil, err
		}
		upd.Name = n
	}
	if in.TemplateID != nil && *in.TemplateID != b.TemplateID {
		return nil, invalid("template", "批次的模板创建后不能修改")
	}
	if in.TotalQuantity != nil {
		switch q := *in.TotalQuantity; {
		case q > int64(b.TotalQuantity):
			return nil, ErrBatchFull.With(map[string]any{"batch_id": b.ID, "total_quantity": b.TotalQuantity, "start_id": b.StartID, "end_id": b.EndID})
		case q < int64(b.TotalQuantity):
			return nil, invalid("total_quantity", "批次的卡片已生成，数量不能减少")
		}
	}
	if in.BatchCode != nil && NormalizeBatchCode(*in.BatchCode) != "" && NormalizeBatchCode(*in.BatchCode) != b.BatchCode {
		return nil, invalid("batch_code", "批次编码创建后不能修改")
	}
	if in.ExpiryDateSet {
		if in.ExpiryDate == nil || strings.TrimSpace(*in.ExpiryDate) == "" {
			upd.ExpiryDate = nil
		} else {
			d, err := ParseDate("expiry_date", *in.ExpiryDate)
			if err != nil {
				return nil, err
			}
			s := d.Format(DateLayout)
			upd.ExpiryDate = &s
		}
	}
	if in.QRCodeBaseURL != nil {
		u := strings.TrimSpace(*in.QRCodeBaseURL)
		if u != "" && !validURL(u) {
			return nil, invalid("qr_code_base_url", "必须是 http(s) URL")
		}
		if u != "" {
			upd.QRCodeBaseURL = u
		}
	}
	evs := []eventlog.Event{upd}
	if in.IsPublished != nil && *in.IsPublished != b.Published {
		if *in.IsPublished {
			evs = append(evs, BatchPublished{BatchID: b.ID, PublishedAt: now})
		} else {
			evs = append(evs, BatchUnpublished{BatchID: b.ID, UnpublishedAt: now})
		}
	}
	return evs, nil
}

// Publish decides publishing the batch; publishing a published batch is a
// no-op.
func (b Batch) Publish(now time.Time) ([]eventlog.Event, error) {
	if !b.Exists() {
		return nil, ErrBatchNotFound
	}
	if b.Published {
		return nil, nil
	}
	return []eventlog.Event{BatchPublished{BatchID: b.ID, PublishedAt: now.UTC()}}, nil
}

// Unpublish decides unpublishing the batch; a no-op when it is not published.
func (b Batch) Unpublish(now time.Time) ([]eventlog.Event, error) {
	if !b.Exists() {
		return nil, ErrBatchNotFound
	}
	if !b.Published {
		return nil, nil
	}
	return []eventlog.Event{BatchUnpublished{BatchID: b.ID, UnpublishedAt: now.UTC()}}, nil
}

// Delete decides the deletion of the batch.
func (b Batch) Delete(now time.Time) ([]eventlog.Event, error) {
	if !b.Exists() {
		return nil, ErrBatchNotFound
	}
	return []eventlog.Event{BatchDeleted{BatchID: b.ID, DeletedAt: now.UTC()}}, nil
}

// RequestQRCodes decides an export of the batch's QR codes whose download link
// is valid until expiresAt.
func (b Batch) RequestQRCodes(by string, expiresAt, now time.Time) ([]eventlog.Event, error) {
	if !b.Exists() {
		return nil, ErrBatchNotFound
	}
	return []eventlog.Event{QRCodesRequested{BatchID: b.ID, Count: b.TotalQuantity, RequestedBy: by,
		ExpiresAt: expiresAt.UTC(), RequestedAt: now.UTC()}}, nil
}

// RecordQRCodes decides recording a built export. A file that is already
// recorded as the batch's latest export is not recorded again.
func (b Batch) RecordQRCodes(last *QRCodesGenerated, g QRCodesGenerated) ([]eventlog.Event, error) {
	if !b.exists {
		return nil, ErrBatchNotFound
	}
	if last != nil && last.File == g.File && last.SHA256 == g.SHA256 {
		return nil, nil
	}
	g.BatchID = b.ID
	g.GeneratedAt = g.GeneratedAt.UTC()
	return []eventlog.Event{g}, nil
}

// LastQRCodes returns the latest QRCodesGenerated of a batch's events.
func LastQRCodes(events []eventlog.Event) *QRCodesGenerated {
	var last *QRCodesGenerated
	for _, e := range events {
		if g, ok := e.(QRCodesGenerated); ok {
			g := g
			last = &g
		}
	}
	return last
}

// AddCard decides a request to add one more card to the batch. All of a
// batch's cards exist from its creation (StartID..EndID), so the answer is
// BATCH_FULL for any existing batch.
func (b Batch) AddCard() error {
	if !b.Exists() {
		return invalid("batch", "批次不存在")
	}
	return ErrBatchFull.With(map[string]any{"batch_id": b.ID, "total_quantity": b.TotalQuantity, "generated_quantity": b.TotalQuantity})
}
