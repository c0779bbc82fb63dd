package identity_test

import (
	"context"
	"errors"
	"testing"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// userState rebuilds a user from the log.
func (e *env) userState(t *testing.T, id int64) *identity.User {
	t.Helper()
	history, _, err := e.store.Load(context.Background(), identity.UserStream(id))
	if err != nil {
		t.Fatal(err)
	}
	events := make([]eventlog.Event, len(history))
	for i, env := range history {
		events[i] = env.Event
	}
	u, err := identity.UserFromHistory(events)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBindEmail: bind_email gives an account without an address one (or
// verifies its own), change_email replaces the address by another; each
// needs the token of its purpose for that address, and a refusal records
// nothing and leaves the token usable.
func TestBindEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	noMail, err := e.h.Register(ctx, identitycmd.Register{Meta: meta, Username: "nomail", Password: "pass-nomail"})
	if err != nil {
		t.Fatal(err)
	}
	ann := e.register(t, "ann")
	bob := e.register(t, "bob")
	actor := func(r identitycmd.Registered) access.Actor { return access.Actor{UserID: r.User.ID} }
	bind := func(who identitycmd.Registered, email, token, purpose string) error {
		_, err := e.h.BindEmail(ctx, identitycmd.BindEmail{Meta: meta, Actor: actor(who), Email: email, VerificationToken: token, Purpose: purpose})
		return err
	}

	changeToken := e.verificationToken(t, "ann.new@example.com", identity.PurposeChangeEmail)
	for _, tc := range []struct {
		name           string
		who            identitycmd.Registered
		email, purpose string
		token          string
		want           error
	}{
		{"change_email without an address", noMail, "ann.new@example.com", identity.PurposeChangeEmail, changeToken, identity.ErrNoEmailToChange},
		{"change_email to the same address", ann, "ANN@example.com", identity.PurposeChangeEmail, changeToken, identity.ErrSameEmail},
		{"a token of another address", ann, "other@example.com", identity.PurposeChangeEmail, changeToken, identity.ErrVerificationTokenInvalid},
		{"a token of another purpose", ann, "ann.new@example.com", identity.PurposeBindEmail, changeToken, identity.ErrVerificationTokenInvalid},
		{"a forged token", ann, "ann.new@example.com", identity.PurposeChangeEmail, changeToken + "0", identity.ErrVerificationTokenInvalid},
		{"an address of another account", noMail, "bob@example.com", identity.PurposeBindEmail,
			e.verificationToken(t, "bob@example.com", identity.PurposeBindEmail), identity.ErrEmailTaken},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			if err := bind(tc.who, tc.email, tc.token, tc.purpose); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("change_email", func(t *testing.T) {
		if err := bind(ann, "ann.new@example.com", changeToken, identity.PurposeChangeEmail); err != nil {
			t.Fatal(err)
		}
		if u := e.userState(t, ann.User.ID); u.EmailDigest() != identity.EmailDigest("ann.new@example.com") || !u.EmailVerifiedNow() {
			t.Errorf("after the change: verified %v", u.EmailVerifiedNow())
		}
		// The old address is free again.
		if _, err := e.h.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Meta: meta, Email: "ann@example.com",
			Purpose: identity.PurposeRegister}); err != nil {
			t.Errorf("old address: %v", err)
		}
	})
	t.Run("refused: the used token again", func(t *testing.T) {
		if err := bind(ann, "ann.new@example.com", changeToken, identity.PurposeChangeEmail); err == nil {
			t.Error("accepted")
		}
	})
	t.Run("bind_email of an account without an address", func(t *testing.T) {
		token := e.verificationToken(t, "nomail@example.com", identity.PurposeBindEmail)
		if err := bind(noMail, "nomail@example.com", token, identity.PurposeBindEmail); err != nil {
			t.Fatal(err)
		}
		if u := e.userState(t, noMail.User.ID); u.EmailDigest() != identity.EmailDigest("nomail@example.com") || !u.EmailVerifiedNow() {
			t.Errorf("after binding: verified %v", u.EmailVerifiedNow())
		}
	})
	t.Run("bind_email of the own unverified address verifies it", func(t *testing.T) {
		if e.userState(t, bob.User.ID).EmailVerifiedNow() {
			t.Fatal("bob's address is verified already")
		}
		token := e.verificationToken(t, "bob@example.com", identity.PurposeBindEmail)
		if err := bind(bob, "bob@example.com", token, identity.PurposeBindEmail); err != nil {
			t.Fatal(err)
		}
		if !e.userState(t, bob.User.ID).EmailVerifiedNow() {
			t.Error("not verified")
		}
	})
}
