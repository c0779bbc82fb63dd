package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// TestCheckEmailBinding: given a user with or without an address, when an
// address is bound or changed to, then the binding is allowed or refused.
func TestCheckEmailBinding(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	withAddress := identity.UserRegistered{UserID: 5, Username: "a", EmailDigest: identity.EmailDigest("a@example.com"), EmailRef: "pd1:a", RegisteredAt: now}
	without := identity.UserRegistered{UserID: 6, Username: "b", RegisteredAt: now}
	for _, tc := range []struct {
		name    string
		given   eventlog.Event
		purpose string
		email   string
		want    error
	}{
		{"bind a first address", without, identity.PurposeBindEmail, "b@example.com", nil},
		{"bind the own address (verify it)", withAddress, identity.PurposeBindEmail, "A@example.com", nil},
		{"bind another address", withAddress, identity.PurposeBindEmail, "c@example.com", nil},
		{"change to another address", withAddress, identity.PurposeChangeEmail, "c@example.com", nil},
		{"change without an address", without, identity.PurposeChangeEmail, "c@example.com", identity.ErrNoEmailToChange},
		{"change to the same address", withAddress, identity.PurposeChangeEmail, "a@EXAMPLE.com", identity.ErrSameEmail},
		{"a purpose that binds nothing", withAddress, identity.PurposeResetPassword, "c@example.com", identity.ErrVerificationTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := identity.UserFromHistory([]eventlog.Event{tc.given})
			if err != nil {
				t.Fatal(err)
			}
			if err := u.CheckEmailBinding(tc.purpose, mustEmail(t, tc.email)); !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	u, _ := identity.UserFromHistory([]eventlog.Event{without})
	if err := u.CheckEmailBinding(identity.PurposeBindEmail, identity.Email{}); err == nil {
		t.Error("an empty address was accepted")
	}
}
