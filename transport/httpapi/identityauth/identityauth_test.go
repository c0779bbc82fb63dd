package identityauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

var t0 = time.Date(2025, 11, 7, 10, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type users map[int64]identityq.User

func (u users) UserByID(_ context.Context, q identityq.UserByID) (identityq.User, error) {
	if x, ok := u[q.ID]; ok {
		return x, nil
	}
	return identityq.User{}, identityq.ErrNotFound
}

type tokens map[string]identityq.APIToken

func (t tokens) APITokenByHash(_ context.Context, q identityq.APITokenByHash) (identityq.APIToken, error) {
	if x, ok := t[q.KeyHash]; ok {
		return x, nil
	}
	return identityq.APIToken{}, identityq.ErrNotFound
}

type toucher struct {
	mu      sync.Mutex
	touched []identitycmd.TouchAPIToken
	err     error
}

func (t *toucher) TouchAPIToken(_ context.Context, cmd identitycmd.TouchAPIToken) (identitycmd.Done, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.touched = append(t.touched, cmd)
	return identitycmd.Done{Position: eventlog.Position{Commit: 9, Prepare: 9}}, t.err
}

type waiter struct{ waited []eventlog.Position }

func (w *waiter) WaitFor(_ context.Context, pos eventlog.Position, names ...string) error {
	if len(names) != 1 || names[0] != identityq.ProjectionName {
		panic("waits for " + strings.Join(names, ","))
	}
	w.waited = append(w.waited, pos)
	return nil
}

func TestBearer(t *testing.T) {
	t.Parallel()
	jwt := identitycmd.NewTokens([]byte("bearer test secret of some length"), 5*time.Minute, time.Hour)
	us := users{
		1: {ID: 1, Username: "ann", IsActive: true, IsAdmin: true},
		2: {ID: 2, Username: "gone", IsActive: false},
	}
	clk := &clock{now: t0}
	b := identityauth.NewBearer(jwt, us, clk)
	if b.Scheme() != "bearer" {
		t.Fatal(b.Scheme())
	}
	pair := func(id int64) identitycmd.TokenPair { p, _ := jwt.IssuePair(id, t0); return p }
	p, err := b.Verify(context.Background(), pair(1).Access)
	if err != nil || p.UserID != "1" || p.Username != "ann" || !p.IsAdmin || p.Scheme != "bearer" {
		t.Fatalf("principal %+v %v", p, err)
	}
	for name, cred := range map[string]string{"inactive": pair(2).Access, "unknown user": pair(3).Access, "refresh": pair(1).Refresh, "garbage": "x"} {
		if _, err := b.Verify(context.Background(), cred); !errors.Is(err, authn.ErrInvalidCredentials) {
			t.Errorf("%s: %v", name, err)
		}
	}
	clk.now = t0.Add(5 * time.Minute)
	if _, err := b.Verify(context.Background(), pair(1).Access); !errors.Is(err, authn.ErrInvalidCredentials) || !errors.Is(err, identityauth.ErrExpired) {
		t.Errorf("expired: %v", err)
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	key := "0123456789abcdef0123456789abcdef01234567"
	ann := identityq.User{ID: 1, Username: "ann", IsActive: true}
	base := identityq.APIToken{TokenID: "t1", KeyHash: identity.HashTokenKey(key), UserID: 1, IssuedAt: t0, User: ann}
	cases := []struct {
		name    string
		tok     identityq.APIToken
		now     time.Time
		err     error
		touched bool
	}{
		{name: "fresh", tok: base, now: t0.Add(30 * time.Second)},
		{name: "used after a minute is recorded", tok: base, now: t0.Add(2 * time.Minute), touched: true},
		{name: "slid", tok: func() identityq.APIToken { x := base; x.LastUsed = t0.Add(2 * time.Hour); return x }(), now: t0.Add(4 * time.Hour), touched: true},
		{name: "expired", tok: base, now: t0.Add(3 * time.Hour), err: identityauth.ErrExpired},
		{name: "revoked", tok: func() identityq.APIToken { x := base; x.Revoked = true; return x }(), now: t0, err: identity.ErrTokenRevoked},
		{name: "inactive", tok: func() identityq.APIToken { x := base; x.User.IsActive = false; return x }(), now: t0, err: identityauth.ErrInactive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			touch, w := &toucher{}, &waiter{}
			v := identityauth.NewToken(tokens{tc.tok.KeyHash: tc.tok}, touch, &clock{now: tc.now}, identityauth.TokenConfig{Waiter: w})
			p, err := v.Verify(context.Background(), key)
			if tc.err != nil {
				if !errors.Is(err, authn.ErrInvalidCredentials) || !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || p.UserID != "1" || p.Scheme != "token" {
				t.Fatalf("principal %+v %v", p, err)
			}
			if got := len(touch.touched) == 1; got != tc.touched {
				t.Errorf("touched %v, want %v", touch.touched, tc.touched)
			}
			if tc.touched && (len(w.waited) != 1 || touch.touched[0].TokenID != "t1" || !touch.touched[0].IssuedAt.Equal(t0)) {
				t.Errorf("touch %+v, waited %v", touch.touched, w.waited)
			}
		})
	}
	v := identityauth.NewToken(tokens{}, &toucher{}, &clock{now: t0}, identityauth.TokenConfig{})
	if _, err := v.Verify(context.Background(), "unknown"); !errors.Is(err, authn.ErrInvalidCredentials) {
		t.Errorf("unknown key: %v", err)
	}
	// The log says the token expired although the read model lagged.
	touch := &toucher{err: identity.ErrTokenExpired}
	v = identityauth.NewToken(tokens{base.KeyHash: base}, touch, &clock{now: t0.Add(time.Hour)}, identityauth.TokenConfig{})
	if _, err := v.Verify(context.Background(), key); !errors.Is(err, identityauth.ErrExpired) {
		t.Errorf("expired in the log: %v", err)
	}
	// A failing touch does not fail the request.
	touch = &toucher{err: errors.New("database down")}
	v = identityauth.NewToken(tokens{base.KeyHash: base}, touch, &clock{now: t0.Add(time.Hour)}, identityauth.TokenConfig{})
	if _, err := v.Verify(context.Background(), key); err != nil {
		t.Errorf("touch failure: %v", err)
	}
}
