package cards_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling/handlingtest"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/sequence"
	"github.com/fiveapis/backend/transport/eventstore"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/eventstore/pgstore"
	"github.com/fiveapis/backend/transport/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
)

func s(v string) *string  { return &v }
func n(v int64) *int64    { return &v }
func admin() access.Actor { return access.Actor{UserID: 1, Username: "admin", Admin: true} }
func user(id int) access.Actor {
	return access.Actor{UserID: int64(id), Username: fmt.Sprintf("user%d", id)}
}
func meta() eventlog.Metadata { return eventlog.Metadata{CorrelationID: "test"} }
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	f, ok := fault.As(err)
	if !ok || f.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

var day0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type env struct {
	h     *cardscmd.Handlers
	clock *handlingtest.Clock
	store *pgstore.Store
}

type limiter struct{ allow atomic.Bool }

func (l *limiter) Allow(ctx context.Context, userID, ip string) (bool, time.Duration, error) {
	return l.allow.Load(), 1500 * time.Millisecond, nil
}

func setup(t *testing.T, lim cardscmd.UseLimiter) env {
	t.Helper()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return setupOn(t, pool, lim)
}

// setupOn returns handlers on the log in pool, as one server process has
// them: their own store and the catalog cache followed from the log.
func setupOn(t *testing.T, pool *pgxpool.Pool, lim cardscmd.UseLimiter) env {
	t.Helper()
	store, err := pgstore.New(pool, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	reg, err := codec.New(append(cards.Events(), sequence.Events()...)...)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := cards.NewCodeSigner([]byte("a test secret of at least 16 bytes"))
	if err != nil {
		t.Fatal(err)
	}
	c := handlingtest.NewClock(day0)
	runner := handling.NewRunner(eventstore.NewStreams(store, reg), handling.Config{})
	h := cardscmd.New(runner, c, signer, lim, cardscmd.Config{})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.FollowCatalog(ctx, store) }()
	t.Cleanup(func() { stop(); <-done })
	return env{h: h, clock: c, store: store}
}

func (e env) template(t *testing.T, category string) cards.Template {
	t.Helper()
	in := cards.TemplateInput{Name: s("舞蹈卡片模板"), Category: s(category)}
	if category == "dance" {
		in.AttributesSet, in.Attributes = true, map[string]any{"difficulty": "初级", "duration": "30分钟", "style": "现代舞"}
	}
	r, err := e.h.CreateTemplate(context.Background(), cardscmd.CreateTemplate{Actor: admin(), Meta: meta(), Input: in})
	if err != nil {
		t.Fatal(err)
	}
	return r.Template
}

func (e env) batch(t *testing.T, tmpl int64, qty int64, publish bool) cards.Batch {
	t.Helper()
	pub := publish
	r, err := e.h.CreateBatch(context.Background(), cardscmd.CreateBatch{Actor: admin(), Meta: meta(), Input: cards.BatchInput{
		Name: s("第一批"), TemplateID: n(tmpl), TotalQuantity: n(qty), ExpiryDate: s("2026-12-31"), IsPublished: &pub,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Batch
}

func TestCreateBatchesAndCodes(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	tmpl := e.template(t, "dance")
	if tmpl.ID != 1 || !tmpl.Exists() {
		t.Fatalf("template %+v", tmpl)
	}
	b1 := e.batch(t, tmpl.ID, 1000, false)
	if b1.BatchCode != "DANCE_20260301_001" || b1.StartID != 1 || b1.EndID != 1000 || b1.Published {
		t.Fatalf("first batch %+v", b1)
	}
	// A hand-chosen code that is the next default one: the default skips it.
	r, err := e.h.CreateBatch(ctx, cardscmd.CreateBatch{Actor: admin(), Meta: meta(), Input: cards.BatchInput{
		Name: s("手动"), TemplateID: n(tmpl.ID), TotalQuantity: n(5), BatchCode: s("dance_20260301_002")}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Batch.BatchCode != "DANCE_20260301_002" || r.Batch.StartID != 1001 || r.Batch.EndID != 1005 {
		t.Fatalf("hand-coded batch %+v", r.Batch)
	}
	b3 := e.batch(t, tmpl.ID, 1, true)
	if b3.BatchCode != "DANCE_20260301_003" || b3.StartID != 1006 || b3.EndID != 1006 || !b3.Published {
		t.Fatalf("third batch %+v", b3)
	}
	// The same code again is refused, naming the field.
	_, err = e.h.CreateBatch(ctx, cardscmd.CreateBatch{Actor: admin(), Meta: meta(), Input: cards.BatchInput{
		Name: s("x"), TemplateID: n(tmpl.ID), TotalQuantity: n(5), BatchCode: s("DANCE_20260301_001")}})
	wantCode(t, err, "INVALID_INPUT")
	if f, _ := fault.As(err); f.Field != "batch_code" {
		t.Errorf("field %q", f.Field)
	}
	// Unknown template, non-admin.
	_, err = e.h.CreateBatch(ctx, cardscmd.CreateBatch{Actor: admin(), Meta: meta(), Input: cards.BatchInput{
		Name: s("x"), TemplateID: n(999), TotalQuantity: n(5)}})
	if f, _ := fault.As(err); f == nil || f.Field != "template" {
		t.Errorf("unknown template: %v", err)
	}
	_, err = e.h.CreateBatch(ctx, cardscmd.CreateBatch{Actor: user(2), Meta: meta(), Input: cards.BatchInput{
		Name: s("x"), TemplateID: n(tmpl.ID), TotalQuantity: n(5)}})
	wantCode(t, err, "INSUFFICIENT_PERMISSION")
	// Another day restarts the counter.
	e.clock.Set(day0.Add(24 * time.Hour))
	if b := e.batch(t, tmpl.ID, 2, false); b.BatchCode != "DANCE_20260302_001" {
		t.Errorf("next day: %s", b.BatchCode)
	}
	// Adding a card to a batch: it is full.
	_, err = e.h.AddCard(ctx, cardscmd.AddCard{Actor: admin(), BatchID: b1.ID, Meta: meta()})
	wantCode(t, err, "BATCH_FULL")
}

func TestConcurrentBatchCreationGetsDisjointContiguousRanges(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	tmpl := e.template(t, "song")
	const workers = 16
	var wg sync.WaitGroup
	got := make([]cards.Batch, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.h.CreateBatch(context.Background(), cardscmd.CreateBatch{Actor: admin(), Meta: meta(), Input: cards.BatchInput{
				Name: s(fmt.Sprintf("b%d", i)), TemplateID: n(tmpl.ID), TotalQuantity: n(int64(1 + i*37))}})
			got[i], errs[i] = r.Batch, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].StartID < got[j].StartID })
	next := int64(1)
	codes := map[string]bool{}
	ids := map[int64]bool{}
	for _, b := range got {
		if b.StartID != next {
			t.Fatalf("batch %d starts at %d, want %d (ranges must be contiguous and disjoint)", b.ID, b.StartID, next)
		}
		if b.EndID-b.StartID+1 != int64(b.TotalQuantity) {
			t.Fatalf("batch %d: range %d..%d for %d cards", b.ID, b.StartID, b.EndID, b.TotalQuantity)
		}
		next = b.EndID + 1
		if codes[b.BatchCode] || ids[b.ID] {
			t.Fatalf("duplicate batch code %s or id %d", b.BatchCode, b.ID)
		}
		codes[b.BatchCode], ids[b.ID] = true, true
	}
	for i := 1; i <= workers; i++ {
		if !codes[fmt.Sprintf("SONG_20260301_%03d", i)] {
			t.Errorf("default code %03d missing: %v", i, codes)
		}
	}
}

func TestUseCardExactlyOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	tmpl := e.template(t, "dance")
	b := e.batch(t, tmpl.ID, 10, true)
	code := e.h.Signer().Code(b.BatchCode, b.StartID+3)
	const goroutines = 128
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		ok      atomic.Int32
		used    atomic.Int32
		winner  atomic.Value
		unknown = make(chan error, goroutines)
	)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := e.h.UseCard(context.Background(), cardscmd.UseCard{Actor: user(100 + i), Code: code, IPAddress: "10.0.0.1", UserAgent: "test", Meta: meta()})
			switch f, _ := fault.As(err); {
			case err == nil:
				ok.Add(1)
				winner.Store(r)
			case f != nil && f.Code == "CARD_ALREADY_USED":
				used.Add(1)
			default:
				unknown <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(unknown)
	for err := range unknown {
		t.Errorf("unexpected error: %v", err)
	}
	if ok.Load() != 1 || used.Load() != goroutines-1 {
		t.Fatalf("successes %d, already used %d; want 1 and %d", ok.Load(), used.Load(), goroutines-1)
	}
	r := winner.Load().(cardscmd.UseCardResult)
	if r.Used.CardID != b.StartID+3 || r.Message != "卡片使用成功!您获得了舞蹈技能:现代舞(初级)" || r.Code != code {
		t.Errorf("result %+v", r)
	}
	// The stream holds exactly one CardUsed.
	recs, err := e.store.ReadStream(context.Background(), cards.CardStream(b.StartID+3), eventlog.ReadStreamOptions{})
	if err != nil || len(recs) != 1 || recs[0].Type != cards.EventCardUsed {
		t.Fatalf("card stream: %v %v", recs, err)
	}
	// A later attempt names the winner.
	_, err = e.h.UseCard(context.Background(), cardscmd.UseCard{Actor: user(5), Code: code, Meta: meta()})
	wantCode(t, err, "CARD_ALREADY_USED")
	f, _ := fault.As(err)
	if f.Details["used_by"] != r.Used.Username || f.Details["used_at"] != r.Used.UsedAt.Format(time.RFC3339) || f.Details["card_code"] != code {
		t.Errorf("details %v, winner %+v", f.Details, r.Used)
	}
}

func TestUseCardRefusals(t *testing.T) {
	t.Parallel()
	lim := &limiter{}
	lim.allow.Store(true)
	e := setup(t, lim)
	ctx := context.Background()
	tmpl := e.template(t, "dance")
	unpublished := e.batch(t, tmpl.ID, 3, false)
	published := e.batch(t, tmpl.ID, 3, true)
	signer := e.h.Signer()
	use := func(code string) error {
		_, err := e.h.UseCard(ctx, cardscmd.UseCard{Actor: user(7), Code: code, IPAddress: "10.0.0.2", Meta: meta()})
		return err
	}
	code := signer.Code(published.BatchCode, published.StartID)

	wantCode(t, use(published.BatchCode+"_"+strconv.FormatInt(published.StartID, 10)), "CARD_NOT_FOUND") // unsigned seed shape
	// A forged check: another last character.
	forged := code[:len(code)-1] + "Z"
	if strings.HasSuffix(code, "Z") {
		forged = code[:len(code)-1] + "Y"
	}
	wantCode(t, use(forged), "CARD_NOT_FOUND")
	wantCode(t, use(signer.Code(published.BatchCode, published.EndID+1)), "CARD_NOT_FOUND") // signed but not in the batch
	wantCode(t, use(signer.Code("NOPE_1", 1)), "CARD_NOT_FOUND")                            // no such batch
	wantCode(t, use(signer.Code(unpublished.BatchCode, unpublished.StartID)), "BATCH_NOT_PUBLISHED")

	lim.allow.Store(false)
	err := use(code)
	wantCode(t, err, "RATE_LIMITED")
	if f, _ := fault.As(err); f.RetryAfterSeconds != 2 {
		t.Errorf("retry after %d", f.RetryAfterSeconds)
	}
	lim.allow.Store(true)

	e.clock.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	wantCode(t, use(code), "CARD_EXPIRED")
	e.clock.Set(time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC))
	if err := use(code); err != nil {
		t.Fatalf("use on the expiry date: %v", err)
	}
	wantCode(t, use(code), "CARD_ALREADY_USED")

	// Deleting the batch hides its cardscmd.
	if _, err := e.h.DeleteBatch(ctx, cardscmd.DeleteBatch{Actor: admin(), BatchID: published.ID, Meta: meta()}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, use(signer.Code(published.BatchCode, published.StartID+1)), "CARD_NOT_FOUND")
	_, err = e.h.PublishBatch(ctx, cardscmd.PublishBatch{Actor: admin(), BatchID: published.ID, Publish: true, Meta: meta()})
	wantCode(t, err, "BATCH_NOT_FOUND")

	// Updating a template: PUT semantics, category fixed; delete hides it.
	_, err = e.h.UpdateTemplate(ctx, cardscmd.UpdateTemplate{Actor: admin(), TemplateID: tmpl.ID, Full: true, Meta: meta(),
		Input: cards.TemplateInput{Name: s("新"), Category: s("song")}})
	wantCode(t, err, "INVALID_INPUT")
	up, err := e.h.UpdateTemplate(ctx, cardscmd.UpdateTemplate{Actor: admin(), TemplateID: tmpl.ID, Full: true, Meta: meta(),
		Input: cards.TemplateInput{Name: s("新"), Category: s("dance")}})
	if err != nil || up.Template.Spec.Name != "新" || up.Template.Spec.Attributes["style"] != "现代舞" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := e.h.DeleteTemplate(ctx, cardscmd.DeleteTemplate{Actor: admin(), TemplateID: tmpl.ID, Meta: meta()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.h.DeleteTemplate(ctx, cardscmd.DeleteTemplate{Actor: admin(), TemplateID: tmpl.ID, Meta: meta()})
	wantCode(t, err, "TEMPLATE_NOT_FOUND")
	_, err = e.h.UpdateTemplate(ctx, cardscmd.UpdateTemplate{Actor: admin(), TemplateID: 12345, Meta: meta()})
	wantCode(t, err, "TEMPLATE_NOT_FOUND")
	// Cards of existing batches of a deleted template stay usable.
	other := signer.Code(unpublished.BatchCode, unpublished.StartID)
	if _, err := e.h.PublishBatch(ctx, cardscmd.PublishBatch{Actor: admin(), BatchID: unpublished.ID, Publish: true, Meta: meta()}); err != nil {
		t.Fatal(err)
	}
	if err := use(other); err != nil {
		t.Fatalf("use after template delete: %v", err)
	}
	if !errors.Is(use(other), cards.ErrCardAlreadyUsed) {
		t.Error("second use must be CARD_ALREADY_USED")
	}
}

// TestCatalogFollowsOtherProcesses: two processes' handlers on one log. A
// batch that one process has cached is unpublished, then republished, through
// the other; the first process's uses follow each change within moments
// (the log subscription), and its own changes at once.
func TestCatalogFollowsOtherProcesses(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	a, b := setupOn(t, pool, nil), setupOn(t, pool, nil)
	ctx := context.Background()
	tmpl := a.template(t, "dance")
	batch := a.batch(t, tmpl.ID, 100, true)
	next := batch.StartID
	use := func(e env) error {
		code := e.h.Signer().Code(batch.BatchCode, next)
		next++
		_, err := e.h.UseCard(ctx, cardscmd.UseCard{Actor: user(7), Code: code, IPAddress: "10.0.0.3", Meta: meta()})
		return err
	}
	eventually := func(what string, want func(error) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			err := use(a)
			if want(err) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: last use answered %v", what, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	eventually("first use", func(err error) bool { return err == nil }) // a caches the batch
	if err := use(a); err != nil {
		t.Fatal(err)
	}
	if _, err := b.h.PublishBatch(ctx, cardscmd.PublishBatch{Actor: admin(), BatchID: batch.ID, Publish: false, Meta: meta()}); err != nil {
		t.Fatal(err)
	}
	eventually("unpublished by the other process", func(err error) bool { return errors.Is(err, cards.ErrBatchNotPublished) })
	if _, err := a.h.PublishBatch(ctx, cardscmd.PublishBatch{Actor: admin(), BatchID: batch.ID, Publish: true, Meta: meta()}); err != nil {
		t.Fatal(err)
	}
	if err := use(a); err != nil { // its own change: at once
		t.Fatalf("use right after this process republished: %v", err)
	}
	if _, err := b.h.DeleteBatch(ctx, cardscmd.DeleteBatch{Actor: admin(), BatchID: batch.ID, Meta: meta()}); err != nil {
		t.Fatal(err)
	}
	eventually("deleted by the other process", func(err error) bool { return errors.Is(err, cards.ErrCardNotFound) })
}

func TestQRCodeRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ctx := context.Background()
	tmpl := e.template(t, "clothing")
	b := e.batch(t, tmpl.ID, 4, false)
	_, err := e.h.RequestQRCodes(ctx, cardscmd.RequestQRCodes{Actor: user(3), BatchID: b.ID, LinkExpiresAt: day0.Add(time.Hour), Meta: meta()})
	wantCode(t, err, "INSUFFICIENT_PERMISSION")
	r, err := e.h.RequestQRCodes(ctx, cardscmd.RequestQRCodes{Actor: admin(), BatchID: b.ID, LinkExpiresAt: day0.Add(time.Hour), Meta: meta()})
	if err != nil || r.Last != nil || r.Batch.ID != b.ID || r.Position.IsStart() {
		t.Fatalf("request: %+v %v", r, err)
	}
	g := cards.QRCodesGenerated{GeneratedCount: 4, File: "x.zip", SHA256: "aa", SizeBytes: 9}
	if rec, err := e.h.RecordQRCodes(ctx, cardscmd.RecordQRCodes{Actor: access.System, BatchID: b.ID, Generated: g, Meta: meta()}); err != nil || rec.Position.IsStart() {
		t.Fatalf("record: %v %v", rec.Position, err)
	}
	if rec, err := e.h.RecordQRCodes(ctx, cardscmd.RecordQRCodes{Actor: access.System, BatchID: b.ID, Generated: g, Meta: meta()}); err != nil || !rec.Position.IsStart() {
		t.Fatalf("recording the same file twice must be a no-op: %v %v", rec.Position, err)
	}
	r, err = e.h.RequestQRCodes(ctx, cardscmd.RequestQRCodes{Actor: admin(), BatchID: b.ID, LinkExpiresAt: day0.Add(time.Hour), Meta: meta()})
	if err != nil || r.Last == nil || r.Last.File != "x.zip" {
		t.Fatalf("second request: %+v %v", r, err)
	}
	_, err = e.h.RequestQRCodes(ctx, cardscmd.RequestQRCodes{Actor: admin(), BatchID: 999, LinkExpiresAt: day0, Meta: meta()})
	wantCode(t, err, "BATCH_NOT_FOUND")
}
