package identity_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

// limiter records what the commands ask and refuses once refuse is set.
type limiter struct {
	mu        sync.Mutex
	refuse    bool
	attempts  []string // "account ip"
	succeeded []string
	codes     []string // "digest ip"
}

func (l *limiter) Attempt(_ context.Context, account, ip string) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts = append(l.attempts, account+" "+ip)
	if l.refuse {
		return 1500 * time.Millisecond, nil
	}
	return 0, nil
}

func (l *limiter) Succeeded(_ context.Context, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.succeeded = append(l.succeeded, account)
}

func (l *limiter) Hit(_ context.Context, digest, ip string) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes = append(l.codes, digest+" "+ip)
	if l.refuse {
		return 299*time.Second + time.Millisecond, nil
	}
	return 0, nil
}

// TestEveryPasswordCheckAsksTheAttemptLimiter: whichever API calls them,
// the commands that check a secret ask the limiter first and, refused, are
// ErrTooManyAttempts with the wait (the secret unchecked, nothing appended);
// the commands that send a code ask the code limiter.
func TestEveryPasswordCheckAsksTheAttemptLimiter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lim := &limiter{}
	e.h.SetLimits(identitycmd.Limits{Attempts: lim, Codes: lim})
	ctx := context.Background()
	ann := e.register(t, "ann")
	at := eventlog.Metadata{CorrelationID: "limits", ClientIP: "203.0.113.7"}
	actor := access.Actor{UserID: ann.User.ID}
	key, err := e.h.RegisterFromEmail(ctx, identitycmd.RegisterFromEmail{Meta: at, Email: "app@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	digest := func(salt string) string { return identitycmd.SHA1Hex(key.APIKey + salt) }

	checks := []struct {
		name    string
		account string
		run     func() error
	}{
		{"Login", "name:ann", func() error {
			_, err := e.h.Login(ctx, identitycmd.Login{Meta: at, Identifier: " ANN ", Password: "pass-ann"})
			return err
		}},
		{"LoginAs", "name:ann", func() error {
			_, err := e.h.LoginAs(ctx, identitycmd.LoginAs{Meta: at, Kind: "username", Identifier: "ann", Password: "pass-ann"})
			return err
		}},
		{"GetAPIToken", "name:ann", func() error {
			_, err := e.h.GetAPIToken(ctx, identitycmd.GetAPIToken{Meta: at, Username: "ann", Password: "pass-ann"})
			return err
		}},
		{"ChangePassword", "id:" + identity.FormatUserID(ann.User.ID), func() error {
			_, err := e.h.ChangePassword(ctx, identitycmd.ChangePassword{Meta: at, Actor: actor, OldPassword: "pass-ann", NewPassword: "pass-ann-2-long"})
			return err
		}},
		{"AppDigestLogin", "id:" + identity.FormatUserID(key.User.ID), func() error {
			_, err := e.h.AppDigestLogin(ctx, identitycmd.AppDigestLogin{Meta: at, KeyID: key.User.ID, Salt: "salt-0001", Verify: digest("salt-0001")})
			return err
		}},
	}
	for _, c := range checks {
		t.Run(c.name+" counts the attempt and clears it on success", func(t *testing.T) {
			lim.mu.Lock()
			lim.attempts, lim.succeeded = nil, nil
			lim.mu.Unlock()
			if err := c.run(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{c.account + " 203.0.113.7"}, lim.attempts); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{c.account}, lim.succeeded); diff != "" {
				t.Errorf("succeeded (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("RequestVerificationCode counts the code", func(t *testing.T) {
		if _, err := e.h.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Meta: at, Email: "ANN@example.com", Purpose: identity.PurposeResetPassword}); err != nil {
			t.Fatal(err)
		}
		addr, _ := identity.NewEmail("ann@example.com")
		if diff := cmp.Diff([]string{addr.Digest() + " 203.0.113.7"}, lim.codes); diff != "" {
			t.Errorf("codes (-want +got):\n%s", diff)
		}
	})

	lim.refuse = true
	for _, c := range checks {
		t.Run(c.name+" is refused beyond the limit", func(t *testing.T) {
			before, _, err := e.store.LoadLast(ctx, identity.UserStream(ann.User.ID))
			if err != nil {
				t.Fatal(err)
			}
			err = c.run()
			f, ok := fault.As(err)
			if !errors.Is(err, identity.ErrTooManyAttempts) || !ok || f.RetryAfterSeconds != 2 ||
				f.Message != "Request was throttled. Expected available in 2 seconds." {
				t.Fatalf("got %v", err)
			}
			after, _, _ := e.store.LoadLast(ctx, identity.UserStream(ann.User.ID))
			if before.Recorded.Position != after.Recorded.Position {
				t.Error("a refused attempt appended events")
			}
		})
	}
	t.Run("RequestVerificationCode is refused beyond the limit", func(t *testing.T) {
		_, err := e.h.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Meta: at, Email: "ann@example.com", Purpose: identity.PurposeResetPassword})
		if f, ok := fault.As(err); !errors.Is(err, identity.ErrTooManyCodes) || !ok || f.RetryAfterSeconds != 300 {
			t.Fatalf("got %v", err)
		}
	})
}
