package identity

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// claimOf reads a claim stream's state.
func (h *Handlers) claimOf(ctx context.Context, stream string) (identity.Claim, error) {
	last, _, err := h.store.LoadLast(ctx, stream)
	if err != nil {
		return identity.Claim{}, err
	}
	return identity.ClaimFromLast(eventOf(last)), nil
}

// holderAbandoned tells whether a claim held by someone else than user may be
// taken over: its holder never registered and the claim is old enough.
func (h *Handlers) holderAbandoned(ctx context.Context, c identity.Claim, user int64) (bool, error) {
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

func (h *Handlers) claimUsername(ctx context.Context, u identity.Username, user int64, meta eventlog.Metadata) (eventlog.Position, error) {
	res, err := h.runner.ExecuteLast(ctx, identity.UsernameClaimStream(u), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		ev := eventOf(last)
		abandoned, err := h.holderAbandoned(ctx, identity.ClaimFromLast(ev), user)
		if err != nil {
			return nil, err
		}
		return identity.ClaimUsername(ev, u, user, h.clock.Now(), abandoned)
	})
	return res.Append.Position, err
}

func (h *Handlers) releaseUsername(ctx context.Context, u identity.Username, user int64, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, identity.UsernameClaimStream(u), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return identity.ReleaseUsername(eventOf(last), u, user, h.clock.Now()), nil
	})
	return err
}

func (h *Handlers) claimEmail(ctx context.Context, e identity.Email, user int64, meta eventlog.Metadata) (eventlog.Position, error) {
	res, err := h.runner.ExecuteLast(ctx, identity.EmailClaimStream(e), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		ev := eventOf(last)
		abandoned, err := h.holderAbandoned(ctx, identity.ClaimFromLast(ev), user)
		if err != nil {
			return nil, err
		}
		return identity.ClaimEmail(ev, e, user, h.clock.Now(), abandoned)
	})
	return res.Append.Position, err
}

func (h *Handlers) releaseEmail(ctx context.Context, e identity.Email, user int64, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, identity.EmailClaimStream(e), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return identity.ReleaseEmail(eventOf(last), e, user, h.clock.Now()), nil
	})
	return err
}

// resolveLogin finds the user an identifier (username, or e-mail address)
// names, through the claim streams; ok is false when none does.
func (h *Handlers) resolveLogin(ctx context.Context, identifier string) (int64, bool, error) {
	key := identity.UsernameKey(identifier)
	if key == "" || len(key) > 4*identity.MaxEmailLength {
		return 0, false, nil
	}
	c, err := h.claimOf(ctx, eventlog.StreamID(identity.UsernameClaimCategory, key))
	if err != nil {
		return 0, false, err
	}
	if c.Held {
		return c.Holder, true, nil
	}
	if e, err := identity.NewEmail(identifier); err == nil && !e.IsZero() {
		c, err := h.claimOf(ctx, identity.EmailClaimStream(e))
		if err != nil {
			return 0, false, err
		}
		if c.Held {
			return c.Holder, true, nil
		}
	}
	return 0, false, nil
}
