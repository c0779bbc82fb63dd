package cards_test

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"strconv"
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

func TestUseIsRateLimited(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	lim := ratelimit.NewCardUses(redisClient(t, "127.0.0.1:6379"), ratelimit.CardUseLimits{PerUser: 2, PerIP: 100, Prefix: prefix()}, quiet)
	srv := start(t, options{limiter: lim})
	t.Run("past the per-user limit a use is RATE_LIMITED with Retry-After", func(t *testing.T) {
		s := srv.in(t)
		for i := 0; i < 2; i++ {
			s.want(s.do("POST", "/api/card/cards/use/", "user4", map[string]any{"card_code": "X_1-AAAAAAAAAAAA"}), 404, "CARD_NOT_FOUND")
		}
		r := s.want(s.do("POST", "/api/card/cards/use/", "user4", map[string]any{"card_code": "X_1-AAAAAAAAAAAA"}), 429, "RATE_LIMITED")
		if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	})
	t.Run("another user is not affected", func(t *testing.T) {
		s := srv.in(t)
		s.want(s.do("POST", "/api/card/cards/use/", "user5", map[string]any{"card_code": "X_1-AAAAAAAAAAAA"}), 404, "CARD_NOT_FOUND")
	})
}
