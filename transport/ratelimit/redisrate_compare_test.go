package ratelimit_test

// Why the project keeps its own limiter instead of github.com/go-redis/redis_rate
// (issue 18): the tests below show the two differences that matter to the
// APIs' contracts, and BenchmarkTwoRules what each costs per decision. The
// figures are in docs/architecture.md ("Rate limits").

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/fiveapis/backend/transport/ratelimit"
)

// liveRedis is the local Redis, or a skip.
func liveRedis(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Skipf("Redis on 127.0.0.1:6379: %v", err)
	}
	return c
}

// TestRefusedAttemptsCountNowhere: a card use is limited per user and per
// client address; an attempt refused by one limit must not use up the other
// (a user behind a busy campus address keeps its own quota). The project's
// limiter decides both rules in one script, all or nothing. redis_rate has
// one key per call, so whichever rule is asked first is charged for attempts
// the second refuses.
func TestRefusedAttemptsCountNowhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := liveRedis(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	const perUser, perIP = 3, 2

	// The campus address X is full (other users used it up); user u tries
	// three times from X (all refused), then goes home to address Y.
	t.Run("ratelimit", func(t *testing.T) {
		l := ratelimit.New(rdb, "cmp:"+randomHex(), quiet)
		user := ratelimit.Rule{Key: "u", Max: perUser, Window: time.Minute}
		ip := func(a string) ratelimit.Rule { return ratelimit.Rule{Key: "ip:" + a, Max: perIP, Window: time.Minute} }
		for range perIP {
			if d, _ := l.Hit(ctx, ip("X")); !d.Allowed {
				t.Fatal("fill X")
			}
		}
		for range 3 {
			if d, _ := l.Hit(ctx, user, ip("X")); d.Allowed {
				t.Fatal("X is full")
			}
		}
		if d, _ := l.Hit(ctx, user, ip("Y")); !d.Allowed {
			t.Error("refused attempts used up the user's quota")
		}
	})
	t.Run("redis_rate, user asked first", func(t *testing.T) {
		l := redis_rate.NewLimiter(rdb)
		pre := "cmp:" + randomHex() + ":"
		for range perIP {
			_, _ = l.Allow(ctx, pre+"ip:X", redis_rate.PerMinute(perIP))
		}
		for range 3 {
			u, _ := l.Allow(ctx, pre+"u", redis_rate.PerMinute(perUser))
			x, _ := l.Allow(ctx, pre+"ip:X", redis_rate.PerMinute(perIP))
			if u.Allowed > 0 && x.Allowed > 0 {
				t.Fatal("X is full")
			}
		}
		if u, _ := l.Allow(ctx, pre+"u", redis_rate.PerMinute(perUser)); u.Allowed > 0 {
			t.Error("redis_rate kept the user's quota; the comparison in docs/architecture.md is wrong")
		}
	})
}

// TestAtMostMaxInAnyWindow: "at most 5 per second" as a sliding window never
// lets a sixth attempt into any one-second span; redis_rate's GCRA with a
// burst of 5 lets a greedy client in again every 200 ms after the burst, so
// a one-second span holds up to 9–10 (counted in spans of 900 ms here).
func TestAtMostMaxInAnyWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := liveRedis(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	greedy := func(allow func() bool) (maxInSecond int) {
		var times []time.Time
		end := time.Now().Add(1300 * time.Millisecond)
		for time.Now().Before(end) {
			if allow() {
				times = append(times, time.Now())
			}
			time.Sleep(5 * time.Millisecond)
		}
		for i := range times {
			n := 0
			// 900 ms, not a second: the times are the client's, taken
			// after each answer, up to a round trip after the decision.
			for j := i; j < len(times) && times[j].Sub(times[i]) < 900*time.Millisecond; j++ {
				n++
			}
			maxInSecond = max(maxInSecond, n)
		}
		return maxInSecond
	}
	l := ratelimit.New(rdb, "cmp:"+randomHex(), quiet)
	ours := greedy(func() bool {
		d, err := l.Hit(ctx, ratelimit.Rule{Key: "k", Max: 5, Window: time.Second})
		return err == nil && d.Allowed
	})
	if ours != 5 {
		t.Errorf("sliding window: %d attempts in one second, want 5", ours)
	}
	rl := redis_rate.NewLimiter(rdb)
	key := "cmp:" + randomHex()
	theirs := greedy(func() bool {
		r, err := rl.Allow(ctx, key, redis_rate.PerSecond(5))
		return err == nil && r.Allowed > 0
	})
	t.Logf("at most 5 per second: sliding window let %d into one second, redis_rate (GCRA) %d", ours, theirs)
	if theirs <= 5 {
		t.Errorf("redis_rate let only %d into one second; the comparison in docs/architecture.md is wrong", theirs)
	}
}

// BenchmarkTwoRules: one decision on two rules (a card use: per user and per
// address), sequentially and from 32 goroutines. ratelimit: one script call;
// redis_rate: one call per rule.
func BenchmarkTwoRules(b *testing.B) {
	ctx := context.Background()
	rdb := liveRedis(b)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.Run("ratelimit", func(b *testing.B) {
		l := ratelimit.New(rdb, "bench:"+randomHex(), quiet)
		rules := []ratelimit.Rule{{Key: "u", Max: 1 << 30, Window: time.Minute}, {Key: "ip", Max: 1 << 30, Window: time.Minute}}
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Hit(ctx, rules...); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("redis_rate", func(b *testing.B) {
		l := redis_rate.NewLimiter(rdb)
		pre := "bench:" + randomHex() + ":"
		limit := redis_rate.PerMinute(1 << 30)
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Allow(ctx, pre+"u", limit); err != nil {
					b.Fatal(err)
				}
				if _, err := l.Allow(ctx, pre+"ip", limit); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
