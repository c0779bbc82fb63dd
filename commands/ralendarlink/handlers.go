// Package ralendarlink holds the commands of Roamio's bound Ralendar
// accounts (domain/ralendarlink): bind, set the default, unbind, and the
// records the sync makes (tokens renewed or rejected, synced). Tokens reach
// the log sealed (Sealer); DefaultAccount opens them for the caller that
// talks to the other Ralendar. Nothing here talks to it.
package ralendarlink

import (
	"context"
	"fmt"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/ralendarlink"
)

// Sealer seals a user's tokens and remote profile for the log and opens
// them again: the personal-data vault under the user's subject, so erasing
// the user (crypto-shredding) makes them unreadable. Erased reports the
// error Open gives for an erased user (or a value that can never open).
type Sealer interface {
	Seal(ctx context.Context, userID int64, plain string) (string, error)
	Open(ctx context.Context, userID int64, sealed string) (string, error)
	Erased(err error) bool
}

// Handlers executes the commands.
type Handlers struct {
	runner *handling.Runner
	clock  handling.Clock
	sealer Sealer
}

// New returns the handlers.
func New(runner *handling.Runner, clock handling.Clock, sealer Sealer) *Handlers {
	return &Handlers{runner: runner, clock: clock, sealer: sealer}
}

// Tokens are an account's tokens in clear.
type Tokens struct {
	Access        string
	Refresh       string
	AccessExpires time.Time
}

func (h *Handlers) seal(ctx context.Context, uid int64, t Tokens) (ralendarlink.Tokens, error) {
	a, err := h.sealer.Seal(ctx, uid, t.Access)
	if err != nil {
		return ralendarlink.Tokens{}, fmt.Errorf("seal access token: %w", err)
	}
	r := ""
	if t.Refresh != "" {
		if r, err = h.sealer.Seal(ctx, uid, t.Refresh); err != nil {
			return ralendarlink.Tokens{}, fmt.Errorf("seal refresh token: %w", err)
		}
	}
	return ralendarlink.Tokens{AccessSealed: a, RefreshSealed: r, AccessExpires: t.AccessExpires.UTC()}, nil
}

// sealProfile seals the remote profile's personal fields (username,
// e-mail, avatar URL); the remote user id stays clear (it identifies the
// binding).
func (h *Handlers) sealProfile(ctx context.Context, uid int64, p ralendarlink.Profile) (ralendarlink.Profile, error) {
	for _, f := range []*string{&p.Username, &p.Email, &p.Avatar} {
		if *f == "" {
			continue
		}
		s, err := h.sealer.Seal(ctx, uid, *f)
		if err != nil {
			return ralendarlink.Profile{}, fmt.Errorf("seal ralendar profile: %w", err)
		}
		*f = s
	}
	return p, nil
}

// OpenProfileField opens one sealed profile field of the user's binding;
// an erased user's (or an unreadable) field is "".
func (h *Handlers) OpenProfileField(ctx context.Context, uid int64, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	s, err := h.sealer.Open(ctx, uid, sealed)
	if err != nil {
		if h.sealer.Erased(err) {
			return "", nil
		}
		return "", fmt.Errorf("open ralendar profile of user %d: %w", uid, err)
	}
	return s, nil
}

func (h *Handlers) open(ctx context.Context, uid int64, t ralendarlink.Tokens) (Tokens, error) {
	a, err := h.sealer.Open(ctx, uid, t.AccessSealed)
	if err != nil {
		return Tokens{}, fmt.Errorf("open access token: %w", err)
	}
	r := ""
	if t.RefreshSealed != "" {
		if r, err = h.sealer.Open(ctx, uid, t.RefreshSealed); err != nil {
			return Tokens{}, fmt.Errorf("open refresh token: %w", err)
		}
	}
	return Tokens{Access: a, Refresh: r, AccessExpires: t.AccessExpires}, nil
}

// execute runs decide on the user's stream.
func (h *Handlers) execute(ctx context.Context, uid int64, meta eventlog.Metadata, decide func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error)) (eventlog.Position, []eventlog.Event, error) {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	res, err := h.runner.Execute(ctx, ralendarlink.Stream(uid), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		l := ralendarlink.LinksFrom(history)
		l.UserID = uid
		return decide(l, now)
	})
	if err != nil {
		return eventlog.Position{}, nil, err
	}
	return res.Append.Position, res.Events, nil
}

// Bind is a new binding from an OAuth code exchange.
type Bind struct {
	Actor   access.Actor
	Remote  string
	Profile ralendarlink.Profile
	Tokens  Tokens
	Meta    eventlog.Metadata
}

// Bound is the binding made.
type Bound struct {
	Event    ralendarlink.RalendarAccountBound
	Position eventlog.Position
}

// Bind seals the tokens and appends RalendarAccountBound.
func (h *Handlers) Bind(ctx context.Context, cmd Bind) (Bound, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return Bound{}, err
	}
	sealed, err := h.seal(ctx, uid, cmd.Tokens)
	if err != nil {
		return Bound{}, err
	}
	profile, err := h.sealProfile(ctx, uid, cmd.Profile)
	if err != nil {
		return Bound{}, err
	}
	pos, events, err := h.execute(ctx, uid, cmd.Meta, func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error) {
		e, err := l.Bind(uid, cmd.Remote, profile, sealed, now)
		if err != nil {
			return nil, err
		}
		return []eventlog.Event{e}, nil
	})
	if err != nil {
		return Bound{}, err
	}
	return Bound{Event: events[0].(ralendarlink.RalendarAccountBound), Position: pos}, nil
}

// AccountCmd names one of the caller's accounts.
type AccountCmd struct {
	Actor     access.Actor
	AccountID int64
	Meta      eventlog.Metadata
}

// SetDefault makes the account the default.
func (h *Handlers) SetDefault(ctx context.Context, cmd AccountCmd) (eventlog.Position, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return eventlog.Position{}, err
	}
	pos, _, err := h.execute(ctx, uid, cmd.Meta, func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error) {
		e, err := l.SetDefault(cmd.AccountID, now)
		if err != nil || e == nil {
			return nil, err
		}
		return []eventlog.Event{*e}, nil
	})
	return pos, err
}

// Unbind removes the account (the oldest other one becomes the default).
func (h *Handlers) Unbind(ctx context.Context, cmd AccountCmd) (eventlog.Position, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return eventlog.Position{}, err
	}
	pos, _, err := h.execute(ctx, uid, cmd.Meta, func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error) {
		return l.Unbind(cmd.AccountID, now)
	})
	return pos, err
}

// Renew records the tokens a refresh gave.
func (h *Handlers) Renew(ctx context.Context, cmd AccountCmd, t Tokens) error {
	uid, err := cmd.Actor.User()
	if err != nil {
		return err
	}
	sealed, err := h.seal(ctx, uid, t)
	if err != nil {
		return err
	}
	_, _, err = h.execute(ctx, uid, cmd.Meta, func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error) {
		if _, err := l.Account(cmd.AccountID); err != nil {
			return nil, nil // unbound meanwhile
		}
		return []eventlog.Event{ralendarlink.RalendarAccountTokensRenewed{UserID: uid, AccountID: cmd.AccountID, Tokens: sealed, RenewedAt: now}}, nil
	})
	return err
}

// Reject records that the remote refused the account's refresh token.
func (h *Handlers) Reject(ctx context.Context, cmd AccountCmd) error {
	uid, err := cmd.Actor.User()
	if err != nil {
		return err
	}
	_, _, err = h.execute(ctx, uid, cmd.Meta, func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error) {
		a, err := l.Account(cmd.AccountID)
		if err != nil || a.TokenRejected {
			return nil, nil
		}
		return []eventlog.Event{ralendarlink.RalendarAccountTokenRejected{UserID: uid, AccountID: cmd.AccountID, RejectedAt: now}}, nil
	})
	return err
}

// Synced records a successful sync to the account.
func (h *Handlers) Synced(ctx context.Context, cmd AccountCmd) (eventlog.Position, error) {
	uid, err := cmd.Actor.User()
	if err != nil {
		return eventlog.Position{}, err
	}
	pos, _, err := h.execute(ctx, uid, cmd.Meta, func(l ralendarlink.Links, now time.Time) ([]eventlog.Event, error) {
		if _, err := l.Account(cmd.AccountID); err != nil {
			return nil, nil
		}
		return []eventlog.Event{ralendarlink.RalendarAccountSynced{UserID: uid, AccountID: cmd.AccountID, SyncedAt: now}}, nil
	})
	return pos, err
}

// Open is the caller's default account with its tokens in clear, for the
// request that talks to the other Ralendar.
type Open struct {
	AccountID int64
	Remote    string
	Tokens    Tokens
}

// DefaultAccount loads the caller's default account (ok false: none, or
// its user was erased and its tokens can no longer be opened).
func (h *Handlers) DefaultAccount(ctx context.Context, a access.Actor) (Open, bool, error) {
	uid, err := a.User()
	if err != nil {
		return Open{}, false, err
	}
	history, _, err := h.runner.Store().Load(ctx, ralendarlink.Stream(uid))
	if err != nil {
		return Open{}, false, fmt.Errorf("load ralendar links of user %d: %w", uid, err)
	}
	acc, ok := ralendarlink.LinksFrom(history).DefaultAccount()
	if !ok {
		return Open{}, false, nil
	}
	t, err := h.open(ctx, uid, acc.Tokens)
	if err != nil {
		if h.sealer.Erased(err) {
			return Open{}, false, nil
		}
		return Open{}, false, err
	}
	return Open{AccountID: acc.ID, Remote: acc.Remote, Tokens: t}, true, nil
}
