package cards

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

var (
	t0  = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	t1  = t0.Add(time.Hour)
	ptr = func(s string) *string { return &s }
	i64 = func(n int64) *int64 { return &n }
	yes = func(b bool) *bool { return &b }
)

func danceCreated() TemplateCreated {
	return TemplateCreated{TemplateID: 1, Name: "舞蹈卡片模板", Category: Dance, Description: "d",
		Attributes: map[string]any{"difficulty": "初级", "duration": "30分钟", "style": "现代舞"}, Rarity: Common, IsActive: true, CreatedAt: t0}
}

func batchCreated() BatchCreated {
	exp := "2026-12-31"
	return BatchCreated{BatchID: 7, Name: "第一批", TemplateID: 1, TemplateName: "舞蹈卡片模板", Category: Dance, TotalQuantity: 1000,
		StartID: 1001, EndID: 2000, BatchCode: "DANCE_20260301_001", ExpiryDate: &exp, QRCodeBaseURL: "https://example.com/cards/", CreatedAt: t0}
}

// wantErr checks err against a classified error: code and, for INVALID_INPUT, the field.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	f, ok := fault.As(err)
	if !ok {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if f.Code != code || f.Field != field {
		t.Fatalf("error = %s (field %q), want %s (field %q)", f.Code, f.Field, code, field)
	}
}

func TestEventNamesUniqueAndVersioned(t *testing.T) {
	seen := map[string]bool{}
	versioned := regexp.MustCompile(`^[A-Z][A-Za-z]+_v[0-9]+$`)
	for _, e := range Events() {
		n := e.EventType()
		if seen[n] {
			t.Errorf("duplicate event type %s", n)
		}
		seen[n] = true
		if !versioned.MatchString(n) {
			t.Errorf("event type %s is not a versioned wire name", n)
		}
	}
	for _, c := range Categories() {
		if !eventlog.ValidCategory(c) {
			t.Errorf("invalid stream category %q", c)
		}
	}
	if got := BatchCodeStream(" dance_20260301_001 "); got != "cardbatchcode-DANCE_20260301_001" {
		t.Errorf("BatchCodeStream = %s", got)
	}
}

func TestTemplateDecisions(t *testing.T) {
	tests := []struct {
		name      string
		given     []eventlog.Event
		when      func(Template) ([]eventlog.Event, error)
		then      []eventlog.Event
		wantCode  string
		wantField string
	}{
		{
			name:  "PUT replaces fields and keeps the category",
			given: []eventlog.Event{danceCreated()},
			when: func(tp Template) ([]eventlog.Event, error) {
				return tp.Update(TemplateInput{Name: ptr("新名字"), Category: ptr("DANCE"), Rarity: ptr("epic")}, true, t1)
			},
			then: []eventlog.Event{TemplateUpdated{TemplateID: 1, Name: "新名字", Category: Dance, Description: "d",
				Attributes: map[string]any{"difficulty": "初级", "duration": "30分钟", "style": "现代舞"}, Rarity: Epic, IsActive: true, UpdatedAt: t1}},
		},
		{
			name:  "PUT without name is invalid",
			given: []eventlog.Event{danceCreated()},
			when: func(tp Template) ([]eventlog.Event, error) {
				return tp.Update(TemplateInput{Category: ptr("dance")}, true, t1)
			},
			wantCode: "INVALID_INPUT", wantField: "name",
		},
		{
			name:  "PATCH changes only what is given",
			given: []eventlog.Event{danceCreated()},
			when: func(tp Template) ([]eventlog.Event, error) {
				return tp.Update(TemplateInput{IsActive: yes(false), AttributesSet: true, Attributes: map[string]any{"music_bpm": float64(120)}}, false, t1)
			},
			then: []eventlog.Event{TemplateUpdated{TemplateID: 1, Name: "舞蹈卡片模板", Category: Dance, Description: "d",
				Attributes: map[string]any{"music_bpm": int64(120)}, Rarity: Common, IsActive: false, UpdatedAt: t1}},
		},
		{
			name:  "category cannot change",
			given: []eventlog.Event{danceCreated()},
			when: func(tp Template) ([]eventlog.Event, error) {
				return tp.Update(TemplateInput{Name: ptr("x"), Category: ptr("song")}, true, t1)
			},
			wantCode: "INVALID_INPUT", wantField: "category",
		},
		{
			name:  "attributes are checked against the category",
			given: []eventlog.Event{danceCreated()},
			when: func(tp Template) ([]eventlog.Event, error) {
				return tp.Update(TemplateInput{AttributesSet: true, Attributes: map[string]any{"bpm": 120}}, false, t1)
			},
			wantCode: "INVALID_INPUT", wantField: "attributes.bpm",
		},
		{
			name: "update of an unknown template",
			when: func(tp Template) ([]eventlog.Event, error) {
				return tp.Update(TemplateInput{Name: ptr("x")}, false, t1)
			},
			wantCode: "TEMPLATE_NOT_FOUND",
		},
		{
			name:  "delete",
			given: []eventlog.Event{danceCreated()},
			when:  func(tp Template) ([]eventlog.Event, error) { return tp.Delete(t1) },
			then:  []eventlog.Event{TemplateDeleted{TemplateID: 1, DeletedAt: t1}},
		},
		{
			name:     "a deleted template is gone",
			given:    []eventlog.Event{danceCreated(), TemplateDeleted{TemplateID: 1, DeletedAt: t1}},
			when:     func(tp Template) ([]eventlog.Event, error) { return tp.Delete(t1) },
			wantCode: "TEMPLATE_NOT_FOUND",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(TemplateFrom(tt.given))
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, tt.wantField)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.then, got); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewTemplateSpec(t *testing.T) {
	tests := []struct {
		name      string
		in        TemplateInput
		want      TemplateSpec
		wantField string
	}{
		{name: "defaults", in: TemplateInput{Name: ptr(" 唱歌 "), Category: ptr("song")},
			want: TemplateSpec{Name: "唱歌", Category: Song, Attributes: map[string]any{}, Rarity: Common, IsActive: true}},
		{name: "seed song example", in: TemplateInput{Name: ptr("唱歌卡片模板"), Category: ptr("song"), Rarity: ptr("rare"), IsActive: yes(true),
			Image: ptr("https://example.com/x.jpg"), AttributesSet: true,
			Attributes: map[string]any{"genre": "流行", "difficulty": "中级", "bpm": float64(120), "language": "中文"}},
			want: TemplateSpec{Name: "唱歌卡片模板", Category: Song, Image: "https://example.com/x.jpg", Rarity: Rare, IsActive: true,
				Attributes: map[string]any{"genre": "流行", "difficulty": "中级", "bpm": int64(120), "language": "中文"}}},
		{name: "game attributes", in: TemplateInput{Name: ptr("g"), Category: ptr("game"), AttributesSet: true,
			Attributes: map[string]any{"genre": "RPG", "players": float64(4), "duration": float64(90)}},
			want: TemplateSpec{Name: "g", Category: Game, Rarity: Common, IsActive: true,
				Attributes: map[string]any{"genre": "RPG", "players": int64(4), "duration": int64(90)}}},
		{name: "name required", in: TemplateInput{Category: ptr("song")}, wantField: "name"},
		{name: "blank name", in: TemplateInput{Name: ptr("  "), Category: ptr("song")}, wantField: "name"},
		{name: "long name", in: TemplateInput{Name: ptr(strings.Repeat("名", 101)), Category: ptr("song")}, wantField: "name"},
		{name: "category required", in: TemplateInput{Name: ptr("x")}, wantField: "category"},
		{name: "unknown category", in: TemplateInput{Name: ptr("x"), Category: ptr("food")}, wantField: "category"},
		{name: "unknown rarity", in: TemplateInput{Name: ptr("x"), Category: ptr("song"), Rarity: ptr("mythic")}, wantField: "rarity"},
		{name: "bad image", in: TemplateInput{Name: ptr("x"), Category: ptr("song"), Image: ptr("ftp://x")}, wantField: "image"},
		{name: "unknown attribute", in: TemplateInput{Name: ptr("x"), Category: ptr("clothing"), AttributesSet: true,
			Attributes: map[string]any{"color": "红", "bpm": 1}}, wantField: "attributes.bpm"},
		{name: "attribute type", in: TemplateInput{Name: ptr("x"), Category: ptr("song"), AttributesSet: true,
			Attributes: map[string]any{"bpm": "fast"}}, wantField: "attributes.bpm"},
		{name: "attribute range", in: TemplateInput{Name: ptr("x"), Category: ptr("dance"), AttributesSet: true,
			Attributes: map[string]any{"music_bpm": float64(0)}}, wantField: "attributes.music_bpm"},
		{name: "dance difficulty enum", in: TemplateInput{Name: ptr("x"), Category: ptr("dance"), AttributesSet: true,
			Attributes: map[string]any{"difficulty": "hard"}}, wantField: "attributes.difficulty"},
		{name: "text attribute must be text", in: TemplateInput{Name: ptr("x"), Category: ptr("clothing"), AttributesSet: true,
			Attributes: map[string]any{"color": 3}}, wantField: "attributes.color"},
		{name: "audio file is a URL", in: TemplateInput{Name: ptr("x"), Category: ptr("song"), AttributesSet: true,
			Attributes: map[string]any{"audio_file": "not a url"}}, wantField: "attributes.audio_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewTemplateSpec(tt.in)
			if tt.wantField != "" {
				wantErr(t, err, "INVALID_INPUT", tt.wantField)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("spec (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewBatchSpec(t *testing.T) {
	base := func() BatchInput {
		return BatchInput{Name: ptr("第二批"), TemplateID: i64(2), TotalQuantity: i64(500)}
	}
	with := func(f func(*BatchInput)) BatchInput { in := base(); f(&in); return in }
	tests := []struct {
		name      string
		in        BatchInput
		want      BatchSpec
		wantField string
	}{
		{name: "minimal", in: base(), want: BatchSpec{Name: "第二批", TemplateID: 2, TotalQuantity: 500, QRCodeBaseURL: "https://q/"}},
		{name: "full", in: with(func(b *BatchInput) {
			b.ExpiryDate, b.BatchCode, b.QRCodeBaseURL, b.IsPublished = ptr("2026-12-31"), ptr("song_20260301_001"), ptr("https://x/c/"), yes(true)
		}), want: BatchSpec{Name: "第二批", TemplateID: 2, TotalQuantity: 500, ExpiryDate: ptr("2026-12-31"), BatchCode: "SONG_20260301_001",
			QRCodeBaseURL: "https://x/c/", Publish: true}},
		{name: "expiry today is fine", in: with(func(b *BatchInput) { b.ExpiryDate = ptr("2026-03-01") }),
			want: BatchSpec{Name: "第二批", TemplateID: 2, TotalQuantity: 500, ExpiryDate: ptr("2026-03-01"), QRCodeBaseURL: "https://q/"}},
		{name: "name required", in: with(func(b *BatchInput) { b.Name = nil }), wantField: "name"},
		{name: "template required", in: with(func(b *BatchInput) { b.TemplateID = nil }), wantField: "template"},
		{name: "quantity required", in: with(func(b *BatchInput) { b.TotalQuantity = nil }), wantField: "total_quantity"},
		{name: "quantity zero", in: with(func(b *BatchInput) { b.TotalQuantity = i64(0) }), wantField: "total_quantity"},
		{name: "quantity too big", in: with(func(b *BatchInput) { b.TotalQuantity = i64(10001) }), wantField: "total_quantity"},
		{name: "quantity 10000 is fine", in: with(func(b *BatchInput) { b.TotalQuantity = i64(10000) }),
			want: BatchSpec{Name: "第二批", TemplateID: 2, TotalQuantity: 10000, QRCodeBaseURL: "https://q/"}},
		{name: "bad date", in: with(func(b *BatchInput) { b.ExpiryDate = ptr("31/12/2026") }), wantField: "expiry_date"},
		{name: "past date", in: with(func(b *BatchInput) { b.ExpiryDate = ptr("2026-02-28") }), wantField: "expiry_date"},
		{name: "bad code", in: with(func(b *BatchInput) { b.BatchCode = ptr("A__B") }), wantField: "batch_code"},
		{name: "code with spaces", in: with(func(b *BatchInput) { b.BatchCode = ptr("A B") }), wantField: "batch_code"},
		{name: "bad qr base", in: with(func(b *BatchInput) { b.QRCodeBaseURL = ptr("nope") }), wantField: "qr_code_base_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewBatchSpec(tt.in, t0, "https://q/")
			if tt.wantField != "" {
				wantErr(t, err, "INVALID_INPUT", tt.wantField)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("spec (-want +got):\n%s", d)
			}
		})
	}
}

func TestCreateBatch(t *testing.T) {
	tmpl := TemplateFrom([]eventlog.Event{danceCreated()})
	spec := BatchSpec{Name: "b", TemplateID: 1, TotalQuantity: 3, QRCodeBaseURL: "https://q/", Publish: true}
	got, err := CreateBatch(9, spec, tmpl, 41, "dance_x", t0)
	if err != nil {
		t.Fatal(err)
	}
	want := []eventlog.Event{
		BatchCreated{BatchID: 9, Name: "b", TemplateID: 1, TemplateName: "舞蹈卡片模板", Category: Dance, TotalQuantity: 3,
			StartID: 41, EndID: 43, BatchCode: "DANCE_X", QRCodeBaseURL: "https://q/", CreatedAt: t0},
		BatchPublished{BatchID: 9, PublishedAt: t0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	deleted := TemplateFrom([]eventlog.Event{danceCreated(), TemplateDeleted{TemplateID: 1}})
	_, err = CreateBatch(9, spec, deleted, 41, "X", t0)
	wantErr(t, err, "INVALID_INPUT", "template")

	if got := DefaultBatchCode(Song, time.Date(2023, 2, 1, 23, 0, 0, 0, time.UTC), 1); got != "SONG_20230201_001" {
		t.Errorf("DefaultBatchCode = %s", got)
	}
	if got := DefaultBatchCode(Game, t0, 1234); got != "GAME_20260301_1234" {
		t.Errorf("DefaultBatchCode = %s", got)
	}
}

func TestBatchDecisions(t *testing.T) {
	created := batchCreated()
	tests := []struct {
		name      string
		given     []eventlog.Event
		when      func(Batch) ([]eventlog.Event, error)
		then      []eventlog.Event
		wantCode  string
		wantField string
	}{
		{
			name:  "PUT renames, clears expiry and publishes",
			given: []eventlog.Event{created},
			when: func(b Batch) ([]eventlog.Event, error) {
				return b.Update(BatchInput{Name: ptr("新"), ExpiryDateSet: true, IsPublished: yes(true), TotalQuantity: i64(1000), TemplateID: i64(1),
					BatchCode: ptr("dance_20260301_001")}, true, t1)
			},
			then: []eventlog.Event{
				BatchUpdated{BatchID: 7, Name: "新", QRCodeBaseURL: "https://example.com/cards/", UpdatedAt: t1},
				BatchPublished{BatchID: 7, PublishedAt: t1},
			},
		},
		{
			name:  "a past expiry date is allowed on update",
			given: []eventlog.Event{created},
			when: func(b Batch) ([]eventlog.Event, error) {
				return b.Update(BatchInput{ExpiryDateSet: true, ExpiryDate: ptr("2020-01-01")}, false, t1)
			},
			then: []eventlog.Event{BatchUpdated{BatchID: 7, Name: "第一批", ExpiryDate: ptr("2020-01-01"), QRCodeBaseURL: "https://example.com/cards/", UpdatedAt: t1}},
		},
		{
			name:  "more cards than generated: batch full",
			given: []eventlog.Event{created},
			when: func(b Batch) ([]eventlog.Event, error) {
				return b.Update(BatchInput{TotalQuantity: i64(1001)}, false, t1)
			},
			wantCode: "BATCH_FULL",
		},
		{
			name:  "fewer cards: invalid",
			given: []eventlog.Event{created},
			when: func(b Batch) ([]eventlog.Event, error) {
				return b.Update(BatchInput{TotalQuantity: i64(10)}, false, t1)
			},
			wantCode:  "INVALID_INPUT",
			wantField: "total_quantity",
		},
		{
			name:      "template is fixed",
			given:     []eventlog.Event{created},
			when:      func(b Batch) ([]eventlog.Event, error) { return b.Update(BatchInput{TemplateID: i64(2)}, false, t1) },
			wantCode:  "INVALID_INPUT",
			wantField: "template",
		},
		{
			name:  "code is fixed",
			given: []eventlog.Event{created},
			when: func(b Batch) ([]eventlog.Event, error) {
				return b.Update(BatchInput{BatchCode: ptr("OTHER")}, false, t1)
			},
			wantCode:  "INVALID_INPUT",
			wantField: "batch_code",
		},
		{
			name:      "PUT needs a name",
			given:     []eventlog.Event{created},
			when:      func(b Batch) ([]eventlog.Event, error) { return b.Update(BatchInput{}, true, t1) },
			wantCode:  "INVALID_INPUT",
			wantField: "name",
		},
		{
			name:  "publish",
			given: []eventlog.Event{created},
			when:  func(b Batch) ([]eventlog.Event, error) { return b.Publish(t1) },
			then:  []eventlog.Event{BatchPublished{BatchID: 7, PublishedAt: t1}},
		},
		{
			name:  "publishing twice is a no-op",
			given: []eventlog.Event{created, BatchPublished{BatchID: 7}},
			when:  func(b Batch) ([]eventlog.Event, error) { return b.Publish(t1) },
		},
		{
			name:  "unpublish",
			given: []eventlog.Event{created, BatchPublished{BatchID: 7}},
			when:  func(b Batch) ([]eventlog.Event, error) { return b.Unpublish(t1) },
			then:  []eventlog.Event{BatchUnpublished{BatchID: 7, UnpublishedAt: t1}},
		},
		{
			name:  "delete",
			given: []eventlog.Event{created},
			when:  func(b Batch) ([]eventlog.Event, error) { return b.Delete(t1) },
			then:  []eventlog.Event{BatchDeleted{BatchID: 7, DeletedAt: t1}},
		},
		{
			name:     "a deleted batch is gone",
			given:    []eventlog.Event{created, BatchDeleted{BatchID: 7}},
			when:     func(b Batch) ([]eventlog.Event, error) { return b.Publish(t1) },
			wantCode: "BATCH_NOT_FOUND",
		},
		{
			name:  "QR codes requested",
			given: []eventlog.Event{created},
			when:  func(b Batch) ([]eventlog.Event, error) { return b.RequestQRCodes("1", t1.Add(24*time.Hour), t1) },
			then:  []eventlog.Event{QRCodesRequested{BatchID: 7, Count: 1000, RequestedBy: "1", ExpiresAt: t1.Add(24 * time.Hour), RequestedAt: t1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.when(BatchFrom(tt.given))
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, tt.wantField)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.then, got); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

func TestRecordQRCodes(t *testing.T) {
	evs := []eventlog.Event{batchCreated()}
	b := BatchFrom(evs)
	g := QRCodesGenerated{GeneratedCount: 1000, File: "f.zip", SHA256: "ab", SizeBytes: 10, GeneratedAt: t1}
	got, err := b.RecordQRCodes(LastQRCodes(evs), g)
	if err != nil || len(got) != 1 {
		t.Fatalf("first record: %v %v", got, err)
	}
	evs = append(evs, got...)
	got, err = b.RecordQRCodes(LastQRCodes(evs), g)
	if err != nil || len(got) != 0 {
		t.Fatalf("same file again must be a no-op: %v %v", got, err)
	}
}

func TestUseCard(t *testing.T) {
	user := User{ID: 5, Username: "user123", IPAddress: "192.168.1.100", UserAgent: "Mozilla/5.0"}
	used := CardUsed{CardID: 1001, BatchID: 7, TemplateID: 1, Category: Dance, UserID: 3, Username: "alice", UsedAt: t0}
	published := []eventlog.Event{batchCreated(), BatchPublished{BatchID: 7, PublishedAt: t0}}
	tests := []struct {
		name        string
		batch       []eventlog.Event
		card        int64
		last        eventlog.Event
		now         time.Time
		want        CardUsed
		wantCode    string
		wantDetails map[string]any
	}{
		{name: "first use", batch: published, card: 1001, now: t1,
			want: CardUsed{CardID: 1001, BatchID: 7, TemplateID: 1, Category: Dance, UserID: 5, Username: "user123",
				IPAddress: "192.168.1.100", UserAgent: "Mozilla/5.0", UsedAt: t1}},
		{name: "last card of the range", batch: published, card: 2000, now: t1,
			want: CardUsed{CardID: 2000, BatchID: 7, TemplateID: 1, Category: Dance, UserID: 5, Username: "user123",
				IPAddress: "192.168.1.100", UserAgent: "Mozilla/5.0", UsedAt: t1}},
		{name: "second use", batch: published, card: 1001, last: used, now: t1, wantCode: "CARD_ALREADY_USED",
			wantDetails: map[string]any{"card_code": "CODE", "used_by": "alice", "used_at": "2026-03-01T10:00:00Z"}},
		{name: "outside the range", batch: published, card: 2001, now: t1, wantCode: "CARD_NOT_FOUND"},
		{name: "unknown batch", card: 1001, now: t1, wantCode: "CARD_NOT_FOUND"},
		{name: "deleted batch", batch: append(append([]eventlog.Event{}, published...), BatchDeleted{BatchID: 7}), card: 1001, now: t1, wantCode: "CARD_NOT_FOUND"},
		{name: "unpublished", batch: []eventlog.Event{batchCreated()}, card: 1001, now: t1, wantCode: "BATCH_NOT_PUBLISHED",
			wantDetails: map[string]any{"card_code": "CODE"}},
		{name: "unpublished again", batch: append(append([]eventlog.Event{}, published...), BatchUnpublished{BatchID: 7}), card: 1001, now: t1, wantCode: "BATCH_NOT_PUBLISHED",
			wantDetails: map[string]any{"card_code": "CODE"}},
		{name: "valid through the expiry date", batch: published, card: 1001, now: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
			want: CardUsed{CardID: 1001, BatchID: 7, TemplateID: 1, Category: Dance, UserID: 5, Username: "user123",
				IPAddress: "192.168.1.100", UserAgent: "Mozilla/5.0", UsedAt: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)}},
		{name: "expired", batch: published, card: 1001, now: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), wantCode: "CARD_EXPIRED",
			wantDetails: map[string]any{"card_code": "CODE", "expires_at": "2026-12-31T23:59:59Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UseCard(BatchFrom(tt.batch), tt.card, tt.last, user, "CODE", tt.now)
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, "")
				f, _ := fault.As(err)
				if d := cmp.Diff(tt.wantDetails, f.Details); d != "" {
					t.Errorf("details (-want +got):\n%s", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("event (-want +got):\n%s", d)
			}
		})
	}
}

func TestUseMessage(t *testing.T) {
	attrs := map[string]any{"difficulty": "初级", "duration": "30分钟", "style": "现代舞"}
	if got, want := UseMessage(Dance, "舞蹈卡片模板", attrs), "卡片使用成功!您获得了舞蹈技能:现代舞(初级)"; got != want {
		t.Errorf("dance: %q, want %q", got, want)
	}
	if got, want := UseMessage(Song, "唱歌卡片模板", map[string]any{}), "卡片使用成功!您获得了音乐技能:唱歌卡片模板"; got != want {
		t.Errorf("song: %q, want %q", got, want)
	}
	if got, want := UseMessage(Clothing, "t", map[string]any{"style": "汉服", "color": "红"}), "卡片使用成功!您获得了服装:汉服(红)"; got != want {
		t.Errorf("clothing: %q, want %q", got, want)
	}
}

func TestCardCodes(t *testing.T) {
	s, err := NewCodeSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	code := s.Code("dance_20230101_001", 1001)
	if !regexp.MustCompile(`^DANCE_20230101_001_1001-[0-9A-HJKMNP-TV-Z]{12}$`).MatchString(code) {
		t.Fatalf("code %q has the wrong shape", code)
	}
	p, err := s.Parse(strings.ToLower(" " + code + " "))
	if err != nil {
		t.Fatalf("parse own code: %v", err)
	}
	if p.BatchCode != "DANCE_20230101_001" || p.CardID != 1001 || p.Code != code {
		t.Fatalf("parsed %+v", p)
	}
	// Crockford aliases read back.
	check := code[len(code)-CheckLength:]
	alias := strings.NewReplacer("0", "O", "1", "I").Replace(check)
	if _, err := s.Parse(code[:len(code)-CheckLength] + alias); err != nil {
		t.Errorf("aliases: %v", err)
	}
	other, _ := NewCodeSigner([]byte("another secret of 32 bytes......"))
	flip := func(c byte) byte {
		if c == 'A' {
			return 'B'
		}
		return 'A'
	}
	bad := []string{
		"", "DANCE_20230101_001_1001", // the unsigned seed shape
		code[:len(code)-1] + string(flip(code[len(code)-1])),
		strings.Replace(code, "_1001-", "_1002-", 1),
		strings.Replace(code, "DANCE_", "SONG_", 1),
		other.Code("DANCE_20230101_001", 1001),
		"DANCE_20230101_001_01001-" + check,
		"_1001-" + check,
		"DANCE_20230101_001_-1-" + check,
		strings.Repeat("A", 200),
	}
	for _, b := range bad {
		if _, err := s.Parse(b); !errors.Is(err, ErrCardNotFound) {
			t.Errorf("Parse(%q) = %v, want CARD_NOT_FOUND", b, err)
		}
	}
	if _, err := NewCodeSigner([]byte("short")); err == nil {
		t.Error("a short secret must be refused")
	}
}

func TestReserveBatchCode(t *testing.T) {
	r, err := ReserveBatchCode(nil, "x_1", 3, t0)
	if err != nil || r.BatchCode != "X_1" || r.BatchID != 3 {
		t.Fatalf("reserve: %+v %v", r, err)
	}
	if _, err := ReserveBatchCode(&r, "X_1", 3, t1); err != nil {
		t.Errorf("same batch again: %v", err)
	}
	_, err = ReserveBatchCode(&r, "X_1", 4, t1)
	if !IsBatchCodeTaken(err) {
		t.Errorf("other batch: %v", err)
	}
	wantErr(t, err, "INVALID_INPUT", "batch_code")
	if IsBatchCodeTaken(fault.Invalidf("batch_code", "x")) {
		t.Error("IsBatchCodeTaken matches other INVALID_INPUT errors")
	}
}
