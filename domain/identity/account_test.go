package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

func TestSocialAccountsAndLastLoginMethod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	reg := func(hash string) eventlog.Event {
		return identity.UserRegistered{UserID: 5, Username: "q", PasswordHash: hash, RegisteredAt: now}
	}
	qq := identity.SocialAccountBound{UserID: 5, Provider: "qq", ExternalDigest: "qd", Nickname: "Q", BoundAt: now}
	aw := identity.SocialAccountBound{UserID: 5, Provider: "acwing", ExternalDigest: "ad", Nickname: "A", BoundAt: now}
	for _, tc := range []struct {
		name     string
		given    []eventlog.Event
		provider string
		want     []eventlog.Event
		wantErr  error
	}{
		{"only way to log in", []eventlog.Event{reg(""), qq}, "qq", nil, identity.ErrLastLoginMethod},
		{"password remains", []eventlog.Event{reg("$h"), qq}, "qq",
			[]eventlog.Event{identity.SocialAccountUnbound{UserID: 5, Provider: "qq", ExternalDigest: "qd", UnboundAt: now}}, nil},
		{"another binding remains", []eventlog.Event{reg(""), qq, aw}, "acwing",
			[]eventlog.Event{identity.SocialAccountUnbound{UserID: 5, Provider: "acwing", ExternalDigest: "ad", UnboundAt: now}}, nil},
		{"not bound", []eventlog.Event{reg("$h")}, "qq", nil, identity.ErrNotBound},
		{"unbound before", []eventlog.Event{reg(""), qq, aw, identity.SocialAccountUnbound{UserID: 5, Provider: "acwing"}}, "qq", nil, identity.ErrLastLoginMethod},
	} {
		u, err := identity.UserFromHistory(tc.given)
		if err != nil {
			t.Fatal(err)
		}
		got, err := u.UnbindSocialAccount(tc.provider, now)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	u, _ := identity.UserFromHistory([]eventlog.Event{reg(""), qq})
	if _, err := u.BindSocialAccount(identity.SocialAccount{Provider: "qq", ExternalDigest: "other"}, now); !errors.Is(err, identity.ErrAlreadyBound) {
		t.Errorf("second qq account: %v", err)
	}
	if got, err := u.BindSocialAccount(identity.SocialAccount{Provider: "qq", ExternalDigest: "qd"}, now); err != nil || got != nil {
		t.Errorf("same qq account again: %v %v", got, err)
	}
	if _, err := u.BindSocialAccount(identity.SocialAccount{Provider: "evil", ExternalDigest: "x"}, now); err == nil {
		t.Error("unknown provider accepted")
	}
}

func TestChangeEmailAndVerification(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u, _ := identity.UserFromHistory([]eventlog.Event{identity.UserRegistered{UserID: 5, Username: "q", EmailDigest: identity.EmailDigest("a@example.com"), EmailRef: "pd1:a", RegisteredAt: now}})
	if got := u.ChangeEmail(mustEmail(t, "A@EXAMPLE.com"), "pd1:x", now); got != nil {
		t.Errorf("same address: %v", got)
	}
	b := mustEmail(t, "b@example.com")
	got := u.ChangeEmail(b, "pd1:x", now)
	want := []eventlog.Event{identity.EmailChanged{UserID: 5, EmailDigest: b.Digest(), EmailRef: "pd1:x", ChangedAt: now}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("change (-want +got):\n%s", diff)
	}
	u2, _ := identity.UserFromHistory([]eventlog.Event{identity.UserRegistered{UserID: 5, Username: "q", EmailDigest: identity.EmailDigest("a@example.com"), EmailRef: "pd1:a", RegisteredAt: now}, got[0]})
	if u2.Email() != "" || u2.EmailDigest() != b.Digest() || u2.EmailVerifiedNow() {
		t.Errorf("after change: %q %q", u2.Email(), u2.EmailDigest())
	}
	if ev := u2.VerifyEmail(identity.EmailDigest("a@example.com"), now); ev != nil {
		t.Errorf("old address verified: %v", ev)
	}
	ev := u2.VerifyEmail(b.Digest(), now)
	u3, _ := identity.UserFromHistory([]eventlog.Event{identity.UserRegistered{UserID: 5, Username: "q", EmailDigest: identity.EmailDigest("a@example.com"), EmailRef: "pd1:a", RegisteredAt: now}, got[0], ev[0]})
	if !u3.EmailVerifiedNow() || u3.VerifyEmail(b.Digest(), now) != nil {
		t.Error("verification of the new address")
	}
	if r := u3.ChangeUsername(mustUsername(t, "q"), now); r != nil {
		t.Errorf("rename to the same name: %v", r)
	}
}
