package cards

import (
	"context"
	"math"
	"strconv"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/eventlog"
)

// UseCard is a user presenting a card code (POST /api/card/cards/use/).
type UseCard struct {
	Actor     access.Actor
	Code      string
	IPAddress string
	UserAgent string
	Meta      eventlog.Metadata
}

// UseCardResult is a successful use.
type UseCardResult struct {
	Used     cards.CardUsed
	Code     string // canonical card code
	Batch    cards.Batch
	Template cards.Template
	Message  string
	Position eventlog.Position
}

// UseCard uses a card exactly once:
//
//  1. count the attempt against the per-user and per-IP limits;
//  2. check the code's HMAC check part (a failing code is CARD_NOT_FOUND,
//     indistinguishable from a card that does not exist);
//  3. find the batch by its code (cardbatchcode-<CODE>, cached: it never
//     changes), and the batch and its template (the message), from the
//     catalog cache or their streams (see catalog);
//  4. decide on the card's own stream card-<id> and append CardUsed expecting
//     "no stream" without reading it first (an unused card has none), or,
//     when that conflicts, the version of its last event. Of any number of
//     concurrent uses exactly one append succeeds; the others conflict,
//     reload, see CardUsed and answer CARD_ALREADY_USED with who used it and
//     when.
func (h *Handlers) UseCard(ctx context.Context, cmd UseCard) (UseCardResult, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return UseCardResult{}, err
	}
	if h.limiter != nil {
		ok, wait, err := h.limiter.Allow(ctx, strconv.FormatInt(uid, 10), cmd.IPAddress)
		if err != nil {
			return UseCardResult{}, err
		}
		if !ok {
			e := *ErrRateLimited
			e.RetryAfterSeconds = int(math.Ceil(wait.Seconds()))
			if e.RetryAfterSeconds < 1 {
				e.RetryAfterSeconds = 1
			}
			return UseCardResult{}, &e
		}
	}
	now := h.now(&cmd.Meta)
	parsed, err := h.signer.Parse(cmd.Code)
	if err != nil {
		return UseCardResult{}, err
	}
	batchID, err := h.batchOfCode(ctx, parsed.BatchCode)
	if err != nil {
		return UseCardResult{}, err
	}
	batch, tmpl, err := h.usable(ctx, batchID)
	if err != nil {
		return UseCardResult{}, err
	}
	if !batch.Exists() || !batch.Contains(parsed.CardID) {
		return UseCardResult{}, cards.ErrCardNotFound
	}
	user := cards.User{ID: uid, Username: cmd.Actor.Username, IPAddress: cmd.IPAddress, UserAgent: cmd.UserAgent}
	res, err := h.runner.ExecuteLastOptimistic(ctx, cards.CardStream(parsed.CardID), cmd.Meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		var prev eventlog.Event
		if last != nil {
			prev = last.Event
		}
		used, err := cards.UseCard(batch, parsed.CardID, prev, user, parsed.Code, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{used}, nil
	})
	if err != nil {
		return UseCardResult{}, err
	}
	used := res.Events[0].(cards.CardUsed)
	return UseCardResult{
		Used: used, Code: parsed.Code, Batch: batch, Template: tmpl,
		Message:  cards.UseMessage(batch.Category, tmpl.Spec.Name, tmpl.Spec.Attributes),
		Position: res.Append.Position,
	}, nil
}

// batchOfCode finds the batch that reserved a batch code.
func (h *Handlers) batchOfCode(ctx context.Context, code string) (int64, error) {
	if id, ok := h.codes.Load(code); ok {
		return id.(int64), nil
	}
	last, _, err := h.store.LoadLast(ctx, cards.BatchCodeStream(code))
	if err != nil {
		return 0, err
	}
	if last == nil {
		return 0, cards.ErrCardNotFound
	}
	r, ok := last.Event.(cards.BatchCodeReserved)
	if !ok {
		return 0, cards.ErrCardNotFound
	}
	h.codes.Store(code, r.BatchID)
	return r.BatchID, nil
}
