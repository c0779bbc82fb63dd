package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

func TestErasePersonalData(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	name, _ := identity.NewUsername("zoe")
	first, _ := identity.NewEmail("zoe@example.com")
	second, _ := identity.NewEmail("zoe@work.example")
	reg, err := identity.Register(7, name, first, "pd1:x", "hash", now)
	if err != nil {
		t.Fatal(err)
	}
	given := func(t *testing.T, more ...eventlog.Event) *identity.User {
		t.Helper()
		u, err := identity.UserFromHistory(append(append([]eventlog.Event{}, reg...), more...))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	t.Run("an administrator erases", func(t *testing.T) {
		evs, err := given(t).ErasePersonalData(access.Actor{UserID: 1, Admin: true}, now)
		want := []eventlog.Event{identity.PersonalDataErased{UserID: 7, ErasedBy: 1, ErasedAt: now}}
		if err != nil || !cmp.Equal(want, evs) {
			t.Fatalf("events %v, err %v", evs, err)
		}
	})
	t.Run("the system erases", func(t *testing.T) {
		if evs, err := given(t).ErasePersonalData(access.System, now); err != nil || len(evs) != 1 {
			t.Fatalf("events %v, err %v", evs, err)
		}
	})
	t.Run("another user may not", func(t *testing.T) {
		if _, err := given(t).ErasePersonalData(access.Actor{UserID: 7}, now); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("nobody may not", func(t *testing.T) {
		if _, err := given(t).ErasePersonalData(access.Actor{}, now); !errors.Is(err, access.ErrUnauthenticated) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("the subjects cover every address the user held", func(t *testing.T) {
		u := given(t)
		changed := given(t, u.ChangeEmail(second, "pd1:y", now)...)
		want := []string{identity.UserDataSubject(7), identity.EmailDataSubject(first.Digest()), identity.EmailDataSubject(second.Digest())}
		if diff := cmp.Diff(want, changed.ErasureSubjects()); diff != "" {
			t.Errorf("subjects (-want +got):\n%s", diff)
		}
	})
	t.Run("the user knows it was erased", func(t *testing.T) {
		if u := given(t, identity.PersonalDataErased{UserID: 7, ErasedAt: now}); !u.Erased() {
			t.Error("not erased")
		}
	})
}
