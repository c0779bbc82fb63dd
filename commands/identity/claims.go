package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	domain "github.com/fiveapis/backend/domain/identity"
)

// claimOf reads a claim stream's state.
func (h *Handlers) claimOf(ctx context.Context, stream string) (domain.Claim, error) {
	last, _, err := h.store.LoadLast(ctx, stream)
	if err != nil {
		return domain.Claim{}, err
	}
	return domain.ClaimFromLast(eventOf(last)), nil
}

// holderAbandoned tells whether a claim held by someone else than user may be
// taken over: its holder never registered and the claim is old enough.
func (h *Handlers) holderAbandoned(ctx context.Context, c domain.Claim, user int64) (bool, error) {
	now := h.clock.Now()
	if !c.Held || c.Holder == user || now.Sub(c.ClaimedAt) < h.cfg.ClaimGrace {
		return false, nil
	}
	registered, err := h.userExists(ctx, c.Holder)
	if err != nil {
		return false, err
	}
	return c.Abandoned(registered, now, h.cfg.ClaimGrace), nil
}

// available reports the claim error (ErrUsernameTaken/ErrEmailTaken) the
// claim of stream would give to a new user right now, without claiming.
func (h *Handlers) available(ctx context.Context, stream string, taken error) error {
	c, err := h.claimOf(ctx, stream)
	if err != nil || !c.Held {
		return err
	}
	abandoned, err := h.holderAbandoned(ctx, c, 0)
	if err != nil {
		return err
	}
	if !abandoned {
		return taken
	}
	return nil
}

func (h *Handlers) claimUsername(ctx context.Context, u domain.Username, user int64, meta eventlog.Metadata) (eventlog.Position, error) {
	res, err := h.runner.ExecuteLast(ctx, domain.UsernameClaimStream(u), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		ev := eventOf(last)
		abandoned, err := h.holderAbandoned(ctx, domain.ClaimFromLast(ev), user)
		if err != nil {
			return nil, err
		}
		return domain.ClaimUsername(ev, u, user, h.clock.Now(), abandoned)
	})
	return res.Append.Position, err
}

func (h *Handlers) releaseUsername(ctx context.Context, u domain.Username, user int64, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, domain.UsernameClaimStream(u), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return domain.ReleaseUsername(eventOf(last), u, user, h.clock.Now()), nil
	})
	return err
}

func (h *Handlers) claimEmail(ctx context.Context, e domain.Email, user int64, meta eventlog.Metadata) (eventlog.Position, error) {
	res, err := h.runner.ExecuteLast(ctx, domain.EmailClaimStream(e), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		ev := eventOf(last)
		abandoned, err := h.holderAbandoned(ctx, domain.ClaimFromLast(ev), user)
		if err != nil {
			return nil, err
		}
		return domain.ClaimEmail(ev, e, user, h.clock.Now(), abandoned)
	})
	return res.Append.Position, err
}

func (h *Handlers) releaseEmail(ctx context.Context, e domain.Email, user int64, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, domain.EmailClaimStream(e), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return domain.ReleaseEmail(eventOf(last), e, user, h.clock.Now()), nil
	})
	return err
}

// resolveLogin finds the user an identifier (username, or e-mail address)
// names, through the claim streams; ok is false when none does.
func (h *Handlers) resolveLogin(ctx context.Context, identifier string) (int64, bool, error) {
	key := domain.UsernameKey(identifier)
	if key == "" || len(key) > 4*domain.MaxEmailLength {
		return 0, false, nil
	}
	c, err := h.claimOf(ctx, eventlog.StreamID(domain.UsernameClaimCategory, key))
	if err != nil {
		return 0, false, err
	}
	if c.Held {
		return c.Holder, true, nil
	}
	if e, err := domain.NewEmail(identifier); err == nil && !e.IsZero() {
		c, err := h.claimOf(ctx, domain.EmailClaimStream(e))
		if err != nil {
			return 0, false, err
		}
		if c.Held {
			return c.Holder, true, nil
		}
	}
	return 0, false, nil
}
