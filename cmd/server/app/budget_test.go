package app_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/pgtest"
)

// TestConnectionBudget shows the runbook's budget: a process holds at most
// DB_POOL_MAX_CONNS + DB_ENGINE_MAX_CONNS + 2 connections under load (the
// engine's lock connection and the one LISTEN connection, which the event
// store and the engine share), and gives idle pooled connections back.
func TestConnectionBudget(t *testing.T) {
	t.Parallel()
	const poolMax, engineMax, dedicated = 6, 3, 2
	db := pgtest.NewDatabase(t)
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) {
		c.Database.URL = db
		c.Database.PoolMaxConns, c.Database.EngineMaxConns = poolMax, engineMax
		c.Database.IdleTimeout = 300 * time.Millisecond
	}))
	name := s.App.Pool().Config().ConnConfig.Database
	// Counted from the test's own connection to another database.
	admin, err := pgx.Connect(context.Background(), pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	count := func() int {
		var n int
		if err := admin.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&n); err != nil {
			t.Error(err)
		}
		return n
	}

	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if n := int64(count()); n > peak.Load() {
				peak.Store(n)
			}
		}
	}()
	// Load: 24 clients register and log in at once (appends, projections,
	// reads).
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				u := fmt.Sprintf("budget%d_%d", i, j)
				r := s.Do(t, http.MethodPost, "/api/v1/auth/register/", "", map[string]string{
					"username": u, "email": u + "@example.com", "password": "pw-budget-Secret-1", "password_confirm": "pw-budget-Secret-1"})
				if r.Status != http.StatusCreated {
					t.Errorf("register: %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	t.Logf("peak connections of the process under load: %d (budget %d)", peak.Load(), poolMax+engineMax+dedicated)
	if max := int64(poolMax + engineMax + dedicated); peak.Load() > max || peak.Load() == 0 {
		t.Errorf("peak connections of the process: %d, budget %d", peak.Load(), max)
	}
	// Idle: the pools give their connections back.
	deadline := time.Now().Add(10 * time.Second)
	for count() > dedicated+2 {
		if time.Now().After(deadline) {
			t.Fatalf("idle process still holds %d connections", count())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
