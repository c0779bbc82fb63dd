package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// verificationToken asks for a register code to email and verifies it.
func (e *env) verificationToken(t *testing.T, email, purpose string) string {
	t.Helper()
	ctx := context.Background()
	req, err := e.h.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Meta: meta, Email: email, Purpose: purpose})
	if err != nil {
		t.Fatalf("request code: %v", err)
	}
	v, err := e.h.VerifyCode(ctx, identitycmd.VerifyCode{Meta: meta, Email: email, Purpose: purpose,
		Code: identity.VerificationCode(e.h.VerificationKey(), req.CodeID)})
	if err != nil {
		t.Fatalf("verify code: %v", err)
	}
	return v.Token
}

// TestRegisterWithVerificationToken: a register token proves the address
// (EmailVerified), is used once, and a refused token creates nothing.
func TestRegisterWithVerificationToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	reg := func(name, email, token string) (identitycmd.Registered, error) {
		return e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: name, Email: email, Password: "pass-" + name,
			RequireEmail: true, VerificationToken: token})
	}
	token := e.verificationToken(t, "ann@example.com", identity.PurposeRegister)

	t.Run("refused: a token of another address", func(t *testing.T) {
		if _, err := reg("mallory", "mallory@example.com", token); !errors.Is(err, identity.ErrVerificationTokenInvalid) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("refused: a forged token", func(t *testing.T) {
		if _, err := reg("ann", "ann@example.com", token+"0"); !errors.Is(err, identity.ErrVerificationTokenInvalid) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("refused: a token of another purpose", func(t *testing.T) {
		e.register(t, "bob")
		reset := e.verificationToken(t, "bob@example.com", identity.PurposeResetPassword)
		if _, err := reg("bobby", "bob@example.com", reset); !errors.Is(err, identity.ErrVerificationTokenInvalid) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("nothing was created by the refusals", func(t *testing.T) {
		for _, name := range []string{"ann", "mallory", "bobby"} {
			u, _ := identity.NewUsername(name)
			if got := e.store.types(identity.UsernameClaimStream(u)); len(got) != 0 {
				t.Errorf("%s: %v", name, got)
			}
		}
	})
	r, err := reg("ann", "ann@example.com", token)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	t.Run("the address is verified and the token used", func(t *testing.T) {
		history, _, err := e.store.Load(ctx, identity.UserStream(r.User.ID))
		if err != nil {
			t.Fatal(err)
		}
		events := make([]eventlog.Event, len(history))
		for i, env := range history {
			events[i] = env.Event
		}
		if u, err := identity.UserFromHistory(events); err != nil || !u.EmailVerifiedNow() {
			t.Errorf("verified: %v", err)
		}
		want := []string{identity.EventVerificationCodeRequested, identity.EventVerificationCodeVerified, identity.EventVerificationTokenUsed}
		if diff := cmp.Diff(want, e.store.types(identity.EmailVerificationStream(mustEmail(t, "ann@example.com")))); diff != "" {
			t.Errorf("verification stream (-want +got):\n%s", diff)
		}
	})
	t.Run("refused: the token again", func(t *testing.T) {
		if _, err := reg("ann2", "ann@example.com", token); err == nil {
			t.Error("a used token registered again")
		}
	})
}
