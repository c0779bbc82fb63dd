package cards

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// CreateBatch asks for a new batch of cards (admin only).
type CreateBatch struct {
	Actor access.Actor
	Input cards.BatchInput
	Meta  eventlog.Metadata
}

// BatchResult is a batch after a command and where its events landed.
type BatchResult struct {
	Batch    cards.Batch
	Position eventlog.Position
}

// maxCodeAttempts bounds the search for a free default batch code (a client
// may have taken the next default code by hand).
const maxCodeAttempts = 50

// CreateBatch creates a batch and, implicitly, its cards:
//
//  1. validate the request and load the template (it must exist);
//  2. take the batch id from the "cardbatch" sequence;
//  3. reserve the batch code on cardbatchcode-<CODE> ("no stream": unique);
//     the default code {CATEGORY}_{YYYYMMDD}_{NNN} numbers NNN with the
//     category's daily sequence and skips codes already taken;
//  4. take total_quantity ids at once from the global "card" sequence: one
//     IDsAllocated event, so the range is contiguous and disjoint from every
//     other batch's, whatever runs concurrently;
//  5. append BatchCreated (and BatchPublished when asked) to cardbatch-<id>.
//
// No event or row is written per card. A crash between the steps leaves
// unused ids or a reserved code without a batch; neither is ever reused.
func (h *Handlers) CreateBatch(ctx context.Context, cmd CreateBatch) (BatchResult, error) {
	if err := requireAdmin(cmd.Actor); err != nil {
		return BatchResult{}, err
	}
	now := h.now(&cmd.Meta)
	spec, err := cards.NewBatchSpec(cmd.Input, now, h.cfg.DefaultQRBaseURL)
	if err != nil {
		return BatchResult{}, err
	}
	tmpl, err := h.loadTemplate(ctx, spec.TemplateID)
	if err != nil {
		return BatchResult{}, err
	}
	if !tmpl.Exists() {
		return BatchResult{}, cards.ErrTemplateMissing(spec.TemplateID)
	}
	if spec.BatchCode != "" {
		last, _, err := h.store.LoadLast(ctx, cards.BatchCodeStream(spec.BatchCode))
		if err != nil {
			return BatchResult{}, err
		}
		if last != nil {
			return BatchResult{}, cards.ErrBatchCodeTaken
		}
	}
	ids, err := h.allocate(ctx, cards.BatchSequence, 1, "", cmd.Meta)
	if err != nil {
		return BatchResult{}, err
	}
	batchID := ids.First
	owner := cards.BatchStream(batchID)

	code := spec.BatchCode
	if code != "" {
		if err := h.reserveCode(ctx, code, batchID, now, cmd.Meta); err != nil {
			return BatchResult{}, err
		}
	} else {
		counter := cards.BatchCodeCounter(tmpl.Spec.Category, now)
		for attempt := 0; ; attempt++ {
			if attempt == maxCodeAttempts {
				return BatchResult{}, fmt.Errorf("create batch %d: no free default batch code after %d attempts", batchID, attempt)
			}
			n, err := h.allocate(ctx, counter, 1, owner, cmd.Meta)
			if err != nil {
				return BatchResult{}, err
			}
			code = cards.DefaultBatchCode(tmpl.Spec.Category, now, n.First)
			err = h.reserveCode(ctx, code, batchID, now, cmd.Meta)
			if err == nil {
				break
			}
			if !cards.IsBatchCodeTaken(err) {
				return BatchResult{}, err
			}
		}
	}

	cardIDs, err := h.allocate(ctx, cards.CardSequence, int64(spec.TotalQuantity), owner, cmd.Meta)
	if err != nil {
		return BatchResult{}, err
	}
	res, err := h.runner.Execute(ctx, owner, cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, fmt.Errorf("batch %d already exists", batchID)
		}
		return cards.CreateBatch(batchID, spec, tmpl, cardIDs.First, code, now)
	})
	if err != nil {
		return BatchResult{}, err
	}
	h.codes.Store(code, batchID)
	return BatchResult{Batch: cards.BatchFrom(res.Events), Position: res.Append.Position}, nil
}

func (h *Handlers) reserveCode(ctx context.Context, code string, batchID int64, now time.Time, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, cards.BatchCodeStream(code), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var prev *cards.BatchCodeReserved
		if last != nil {
			if e, ok := last.Event.(cards.BatchCodeReserved); ok {
				prev = &e
			} else {
				return nil, cards.ErrBatchCodeTaken
			}
			if prev.BatchID == batchID {
				return nil, nil // already ours (a retried append)
			}
		}
		r, err := cards.ReserveBatchCode(prev, code, batchID, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{r}, nil
	})
	return err
}
