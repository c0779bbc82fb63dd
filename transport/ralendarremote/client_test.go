package ralendarremote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/ralendarlink"
)

// The circuit opens after BreakerFailures failures: calls then fail at
// once without reaching the server, until the cool-down has passed.
func TestBreaker(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	now := time.Now()
	c := New(Config{BaseURL: srv.URL + "/api", BreakerFailures: 2, BreakerCooldown: time.Minute, Now: func() time.Time { return now }})
	for range 3 {
		if _, _, err := c.Do(context.Background(), "tok", http.MethodGet, "/events/", nil); !errors.Is(err, ralendarlink.ErrRemoteUnavailable) {
			t.Fatalf("err %v", err)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("%d calls reached the server, want 2 (then the circuit is open)", hits.Load())
	}
	now = now.Add(2 * time.Minute)
	_, _, _ = c.Do(context.Background(), "tok", http.MethodGet, "/events/", nil)
	if hits.Load() != 3 {
		t.Errorf("after the cool-down %d calls, want 3", hits.Load())
	}
}
