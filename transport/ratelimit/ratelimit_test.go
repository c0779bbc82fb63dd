package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fiveapis/backend/transport/ratelimit"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSlidingWindow(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for name, addr := range map[string]string{"redis": "127.0.0.1:6379", "redis down": "127.0.0.1:1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			client := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond, MaxRetries: -1})
			t.Cleanup(func() { client.Close() })
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			c := &clock{now: time.Now()}
			l := ratelimit.New(client, "test:rl:"+hex.EncodeToString(b), quiet).WithClock(c.Now)
			rule := ratelimit.Rule{Key: "k", Max: 3, Window: 5 * time.Minute}
			for i := range 3 {
				if d, err := l.Hit(ctx, rule); err != nil || !d.Allowed {
					t.Fatalf("hit %d: %+v %v", i+1, d, err)
				}
				c.Advance(time.Minute)
			}
			d, err := l.Hit(ctx, rule)
			if err != nil || d.Allowed || d.RetryAfter <= time.Minute || d.RetryAfter > 2*time.Minute || d.Rule.Key != "k" {
				t.Fatalf("fourth hit: %+v %v", d, err)
			}
			// The first hit leaves the window after 5 minutes: one more is allowed.
			c.Advance(2*time.Minute + time.Second)
			if d, _ := l.Hit(ctx, rule); !d.Allowed {
				t.Fatalf("after the first left the window: %+v", d)
			}
			if d, _ := l.Hit(ctx, rule); d.Allowed {
				t.Fatal("window full again")
			}
			// A refused hit of one rule counts against none.
			other := ratelimit.Rule{Key: "o", Max: 1, Window: time.Hour}
			if d, _ := l.Hit(ctx, rule, other); d.Allowed {
				t.Fatal("full rule passed")
			}
			if d, _ := l.Hit(ctx, other); !d.Allowed {
				t.Fatal("refused hit was counted on the other rule")
			}
			l.Reset(ctx, "k")
			if d, _ := l.Hit(ctx, rule); !d.Allowed {
				t.Fatal("reset did not clear")
			}
			if d, _ := l.Hit(ctx, ratelimit.Rule{Key: "z", Max: 0, Window: time.Minute}); !d.Allowed {
				t.Fatal("a limit of 0 must be off")
			}
		})
	}
}
