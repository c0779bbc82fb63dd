package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fiveapis/backend/transport/ratelimit"
)

func prefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test:cards:" + hex.EncodeToString(b)
}

func redisClient(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestUseLimiter(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		client *redis.Client
	}{
		{"redis", redisClient(t, "127.0.0.1:6379")},
		{"redis down: in-process fallback", redisClient(t, "127.0.0.1:1")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "redis" {
				if err := tc.client.Ping(ctx).Err(); err != nil {
					t.Fatalf("Redis at 127.0.0.1:6379: %v", err)
				}
			}
			l := ratelimit.NewCardUses(tc.client, ratelimit.CardUseLimits{PerUser: 3, PerIP: 5, Window: time.Minute, Prefix: prefix()}, quiet)
			allow := func(user, ip string) bool {
				ok, wait, err := l.Allow(ctx, user, ip)
				if err != nil {
					t.Fatal(err)
				}
				if !ok && (wait <= 0 || wait > time.Minute) {
					t.Fatalf("retry after %s", wait)
				}
				return ok
			}
			for i := 0; i < 3; i++ {
				if !allow("7", "10.0.0.1") {
					t.Fatalf("attempt %d refused", i+1)
				}
			}
			if allow("7", "10.0.0.2") {
				t.Fatal("a fourth attempt of the user passed (from another IP)")
			}
			// The IP's limit counts every user's attempts: 4 so far from 10.0.0.1 + 10.0.0.2 split.
			if !allow("8", "10.0.0.1") || !allow("9", "10.0.0.1") {
				t.Fatal("other users within the IP limit were refused")
			}
			if allow("10", "10.0.0.1") {
				t.Fatal("the IP limit did not hold")
			}
			// Disabled limits.
			free := ratelimit.NewCardUses(tc.client, ratelimit.CardUseLimits{Prefix: prefix()}, quiet)
			for i := 0; i < 20; i++ {
				if ok, _, _ := free.Allow(ctx, "7", "10.0.0.1"); !ok {
					t.Fatal("limits of 0 must be off")
				}
			}
		})
	}
}
