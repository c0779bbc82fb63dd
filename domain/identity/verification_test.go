package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	requested := identity.VerificationCodeRequested{CodeID: "c1", EmailDigest: "d", Purpose: identity.PurposeResetPassword,
		RecipientRef: "pd1:x", RequestedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	verified := identity.VerificationCodeVerified{CodeID: "c1", EmailDigest: "d", Purpose: identity.PurposeResetPassword,
		TokenID: "t1", VerifiedAt: now.Add(time.Minute), TokenExpiresAt: now.Add(6 * time.Minute)}
	right := func(id string) bool { return id == "c1" }
	wrong := func(string) bool { return false }
	rejected := func(i int) eventlog.Event {
		return identity.VerificationCodeRejected{CodeID: "c1", EmailDigest: "d", Purpose: identity.PurposeResetPassword, RejectedAt: now.Add(time.Duration(i) * time.Second)}
	}
	tests := []struct {
		name    string
		given   []eventlog.Event
		when    func(v *identity.EmailVerification) ([]eventlog.Event, error)
		want    []eventlog.Event
		wantErr error
	}{
		{name: "request", when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.RequestCode("c1", identity.PurposeResetPassword, "pd1:x", now, 10*time.Minute)
		}, want: []eventlog.Event{requested}},
		{name: "bad purpose", when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.RequestCode("c1", "steal", "pd1:x", now, time.Minute)
		}, wantErr: errAny},
		{name: "no code requested", when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.VerifyCode(identity.PurposeResetPassword, right, "t1", now, 5*time.Minute)
		}, wantErr: identity.ErrCodeMissing},
		{name: "right code", given: []eventlog.Event{requested}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.VerifyCode(identity.PurposeResetPassword, right, "t1", now.Add(time.Minute), 5*time.Minute)
		}, want: []eventlog.Event{verified}},
		{name: "code of another purpose", given: []eventlog.Event{requested}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.VerifyCode(identity.PurposeRegister, right, "t1", now, 5*time.Minute)
		}, wantErr: identity.ErrCodeMissing},
		{name: "wrong code is recorded", given: []eventlog.Event{requested}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.VerifyCode(identity.PurposeResetPassword, wrong, "t1", now, 5*time.Minute)
		}, want: []eventlog.Event{rejected(0)}, wantErr: identity.ErrCodeInvalid},
		{name: "five wrong guesses kill the code", given: []eventlog.Event{requested, rejected(1), rejected(2), rejected(3), rejected(4), rejected(5)},
			when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
				return v.VerifyCode(identity.PurposeResetPassword, right, "t1", now, 5*time.Minute)
			}, wantErr: identity.ErrCodeExpired},
		{name: "expired code", given: []eventlog.Event{requested}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.VerifyCode(identity.PurposeResetPassword, right, "t1", now.Add(10*time.Minute), 5*time.Minute)
		}, wantErr: identity.ErrCodeExpired},
		{name: "a verified code cannot be verified again", given: []eventlog.Event{requested, verified}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.VerifyCode(identity.PurposeResetPassword, right, "t2", now.Add(2*time.Minute), 5*time.Minute)
		}, wantErr: identity.ErrCodeMissing},
		{name: "use token", given: []eventlog.Event{requested, verified}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.UseToken("t1", identity.PurposeResetPassword, 7, now.Add(2*time.Minute))
		}, want: []eventlog.Event{identity.VerificationTokenUsed{TokenID: "t1", EmailDigest: "d", Purpose: identity.PurposeResetPassword, UserID: 7, UsedAt: now.Add(2 * time.Minute)}}},
		{name: "token used twice", given: []eventlog.Event{requested, verified, identity.VerificationTokenUsed{TokenID: "t1", Purpose: identity.PurposeResetPassword}},
			when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
				return v.UseToken("t1", identity.PurposeResetPassword, 7, now.Add(2*time.Minute))
			}, wantErr: identity.ErrVerificationTokenInvalid},
		{name: "expired token", given: []eventlog.Event{requested, verified}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.UseToken("t1", identity.PurposeResetPassword, 7, now.Add(6*time.Minute))
		}, wantErr: identity.ErrVerificationTokenInvalid},
		{name: "token of another purpose", given: []eventlog.Event{requested, verified}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.UseToken("t1", identity.PurposeRegister, 7, now.Add(2*time.Minute))
		}, wantErr: identity.ErrVerificationTokenInvalid},
		{name: "unknown token", given: []eventlog.Event{requested, verified}, when: func(v *identity.EmailVerification) ([]eventlog.Event, error) {
			return v.UseToken("forged", identity.PurposeResetPassword, 7, now.Add(2*time.Minute))
		}, wantErr: identity.ErrVerificationTokenInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.when(identity.EmailVerificationFromHistory("d", tc.given))
			switch {
			case tc.wantErr == errAny && err == nil:
				t.Fatal("no error")
			case tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
	a, b := identity.VerificationCode([]byte("k"), "c1"), identity.VerificationCode([]byte("k"), "c2")
	if len(a) != identity.CodeDigits || a == b || a != identity.VerificationCode([]byte("k"), "c1") || a == identity.VerificationCode([]byte("other"), "c1") {
		t.Errorf("codes %s %s", a, b)
	}
}

var errAny = errors.New("any error")
