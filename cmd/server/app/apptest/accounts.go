package apptest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"testing"
)

// User is an account created for a test.
type User struct {
	ID       float64
	Username string
	Password string
	// Bearer is the "Authorization" header value with a fresh access token.
	Bearer string
}

// Login logs in through Roamio's /api/v1/auth/login/ and returns the
// "Authorization" header value "Bearer <access>".
func (s *Server) Login(t testing.TB, username, password string) string {
	t.Helper()
	r := s.Do(t, http.MethodPost, "/api/v1/auth/login/", "", map[string]string{"username": username, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("apptest: login %s: %d %s", username, r.Status, r.Body)
	}
	var out struct {
		Access string `json:"access"`
	}
	r.JSON(t, &out)
	return "Bearer " + out.Access
}

// AdminBearer logs in as the bootstrap admin.
func (s *Server) AdminBearer(t testing.TB) string {
	t.Helper()
	return s.Login(t, AdminUsername, AdminPassword)
}

// NewUser registers a fresh user through /api/v1/auth/register/.
func (s *Server) NewUser(t testing.TB) User {
	t.Helper()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "u" + hex.EncodeToString(b)
	pw := "pw-" + hex.EncodeToString(b) + "-Secret"
	r := s.Do(t, http.MethodPost, "/api/v1/auth/register/", "", map[string]string{
		"username": name, "email": name + "@example.com", "password": pw, "password_confirm": pw,
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("apptest: register %s: %d %s", name, r.Status, r.Body)
	}
	var out struct {
		User struct {
			ID float64 `json:"id"`
		} `json:"user"`
		Access string `json:"access"`
	}
	r.JSON(t, &out)
	return User{ID: out.User.ID, Username: name, Password: pw, Bearer: "Bearer " + out.Access}
}
