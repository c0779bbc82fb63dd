package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/identity"
)

// TestErasureReachesEveryReadModel: a user gives personal data through three
// APIs (Roamio's profile, 001's address book, an enrollment's answers); an
// operator erases it (POST /api/admin/users/{id}/erase/); every read model
// then shows none of it, the vault has deleted the user's keys, and the
// consumer-facing forms never carried it.
func TestErasureReachesEveryReadModel(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.AdminBearer(t)
	u := s.NewHHUStaff(t) // enrolling is for HHU staff
	uid := int64(u.ID)
	hhuAdmin := s.HHUAdminToken(t)
	hhuUser := s.HHUToken(t, u.Username, u.Password)
	s.Do(t, "PATCH", fmt.Sprintf("/api/v1/users/%d/profile/", uid), u.Bearer, map[string]any{"bio": "旅行爱好者 bio-secret", "birthday": "1990-01-01", "tags": "摄影",
		"visited_countries": "countries-secret"}).Want(t, "profile", http.StatusOK)
	s.Do(t, "PUT", "/current-user/meta/", hhuUser, map[string]any{"name": "张三 name-secret", "position": "教授", "department": "计信院",
		"qq": "12345", "phone": "025-8378 7000", "mobile": "+86 13800000000"}).Want(t, "address book", http.StatusOK)
	activity := s.CreateHHUActivity(t, hhuAdmin, apptest.HHUActivity("讲座", 10))
	s.Do(t, "POST", "/enrollments/", u.Bearer, map[string]any{"activity": activity,
		"answers": map[string]any{"name": "张三 answer-secret", "phone": "13800000000"}}).Want(t, "enroll", http.StatusCreated)

	ctx := context.Background()
	query := func(t *testing.T, sql string, args ...any) string {
		t.Helper()
		var v string
		if err := s.App.Pool().QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	t.Run("before: the read models hold the data", func(t *testing.T) {
		if got := query(t, `SELECT email || bio || birthday FROM identity.users WHERE id = $1`, uid); !strings.Contains(got, "bio-secret") || !strings.Contains(got, "@example.com") {
			t.Fatalf("users: %q", got)
		}
		if got := query(t, `SELECT answers::text FROM activities.enrollments WHERE user_id = $1`, uid); !strings.Contains(got, "answer-secret") {
			t.Fatalf("answers: %q", got)
		}
	})
	t.Run("a user may not erase", func(t *testing.T) {
		s.Do(t, "POST", fmt.Sprintf("/api/admin/users/%d/erase/", uid), u.Bearer, nil).Want(t, "user erases", http.StatusForbidden)
		s.Do(t, "POST", "/api/admin/users/0/erase/", admin, nil).Want(t, "bad id", http.StatusBadRequest)
		s.Do(t, "POST", "/api/admin/users/999999/erase/", admin, nil).Want(t, "unknown user", http.StatusNotFound)
	})
	t.Run("an operator erases", func(t *testing.T) {
		s.Do(t, "POST", fmt.Sprintf("/api/admin/users/%d/erase/", uid), admin, nil).Want(t, "erase", http.StatusOK)
	})
	t.Run("after: no read model holds it", func(t *testing.T) {
		if got := query(t, `SELECT email || email_key || bio || birthday || phone || intro FROM identity.users WHERE id = $1`, uid); got != "" {
			t.Errorf("users still hold %q", got)
		}
		if got := query(t, `SELECT visited_countries FROM identity.users WHERE id = $1`, uid); got != "" {
			t.Errorf("users still hold the visited countries %q", got)
		}
		if got := query(t, `SELECT count(*)::text FROM identity.contact_info WHERE user_id = $1`, uid); got != "0" {
			t.Errorf("contact_info rows: %s", got)
		}
		if got := query(t, `SELECT answers::text FROM activities.enrollments WHERE user_id = $1`, uid); got != "{}" {
			t.Errorf("answers: %s", got)
		}
		if r := s.Do(t, "GET", "/current-user/meta/", hhuUser, nil); r.Status != http.StatusOK || strings.Contains(string(r.Body), "name-secret") {
			t.Errorf("meta after erasure: %d %s", r.Status, r.Body)
		}
	})
	t.Run("after: the vault deleted the user's keys", func(t *testing.T) {
		// The reaction runs in the background, soon after the erasure.
		for try := 0; ; try++ {
			erased, err := s.App.Vault().WasErased(ctx, identity.UserDataSubject(uid))
			if err != nil {
				t.Fatal(err)
			}
			if erased {
				break
			}
			if try == 200 {
				t.Fatal("the user's key was not deleted")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("nothing was parked on the way", func(t *testing.T) {
		parked, err := s.App.Engine().Parked(ctx, "")
		if err != nil || len(parked) != 0 {
			t.Fatalf("parked %+v, %v", parked, err)
		}
	})
	t.Run("the consumer-facing forms never carried it", func(t *testing.T) {
		body := consumerLog(t, s)
		for _, secret := range []string{"bio-secret", "name-secret", "answer-secret", "13800000000", "1990-01-01", "countries-secret"} {
			if strings.Contains(body, secret) {
				t.Errorf("the event stream carries %q", secret)
			}
		}
	})
}
