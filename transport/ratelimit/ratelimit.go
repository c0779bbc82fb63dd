// Package ratelimit counts attempts in sliding windows shared by every server
// process: a sorted set per key in Redis (one member per attempt, scored by
// time), updated atomically by a script. When Redis does not answer, it
// counts in this process instead (and logs a warning at most once a minute),
// so limits then hold per process rather than not at all.
//
// Every limiter of the project (card use, verification codes, password
// attempts) is a Limiter with its own key prefix.
package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rule is one limit: at most Max attempts under Key in any Window.
type Rule struct {
	Key    string
	Max    int
	Window time.Duration
}

// Decision is the outcome of a Hit.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until the refused attempt would be allowed
	// (when the oldest counted attempt leaves its window); 0 when allowed.
	RetryAfter time.Duration
	// Rule is the first rule that refused (zero when allowed).
	Rule Rule
}

// Limiter counts attempts.
type Limiter struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
	log    *slog.Logger
	local  *memory

	warnMu   sync.Mutex
	lastWarn time.Time
	// downUntil: after a Redis failure the limiter counts in process for a
	// while instead of waiting for Redis on every attempt.
	downUntil atomic.Int64
}

// redisRetry is how long the limiter stays in process after a Redis failure.
const redisRetry = 5 * time.Second

// New returns a limiter on client (nil: in-process counting only) whose Redis
// keys start with prefix.
func New(client redis.UniversalClient, prefix string, logger *slog.Logger) *Limiter {
	if logger == nil {
		logger = slog.Default()
	}
	return &Limiter{client: client, prefix: prefix, now: time.Now, log: logger, local: newMemory()}
}

// WithClock makes the limiter read the time from now (tests).
func (l *Limiter) WithClock(now func() time.Time) *Limiter {
	l.now = now
	return l
}

// hitScript: for every key (ARGV: now ms, member, then max and window ms per
// key) drop the attempts that left the window, and refuse when one is full
// (returning its index, 1-based, and the oldest attempt's score); otherwise
// add the attempt to every set and return 0.
var hitScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local member = ARGV[2]
for i, k in ipairs(KEYS) do
  local max = tonumber(ARGV[1 + 2*i])
  local win = tonumber(ARGV[2 + 2*i])
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - win)
  if redis.call('ZCARD', k) >= max then
    local oldest = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
    return {i, tonumber(oldest[2])}
  end
end
for i, k in ipairs(KEYS) do
  local win = tonumber(ARGV[2 + 2*i])
  redis.call('ZADD', k, now, member)
  redis.call('PEXPIRE', k, win)
end
return {0, 0}`)

// Hit counts one attempt against every rule, unless one of them is already
// full: then nothing is counted and the decision says which rule refused and
// when to retry. Rules with Max ≤ 0 or an empty key are ignored.
func (l *Limiter) Hit(ctx context.Context, rules ...Rule) (Decision, error) {
	var active []Rule
	for _, r := range rules {
		if r.Max > 0 && r.Key != "" && r.Window > 0 {
			active = append(active, r)
		}
	}
	if len(active) == 0 {
		return Decision{Allowed: true}, nil
	}
	now := l.now()
	if l.client != nil && now.UnixNano() >= l.downUntil.Load() {
		d, err := l.hitRedis(ctx, now, active)
		if err == nil {
			return d, nil
		}
		if ctx.Err() != nil {
			return Decision{}, ctx.Err()
		}
		l.downUntil.Store(now.Add(redisRetry).UnixNano())
		l.warn(err)
	}
	return l.local.hit(l.prefix, now, active), nil
}

func (l *Limiter) hitRedis(ctx context.Context, now time.Time, rules []Rule) (Decision, error) {
	keys := make([]string, len(rules))
	args := []any{now.UnixMilli(), member(now)}
	for i, r := range rules {
		keys[i] = l.prefix + ":" + r.Key
		args = append(args, r.Max, r.Window.Milliseconds())
	}
	rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	res, err := hitScript.Run(rctx, l.client, keys, args...).Int64Slice()
	if err != nil {
		return Decision{}, err
	}
	if len(res) != 2 || res[0] == 0 {
		return Decision{Allowed: true}, nil
	}
	r := rules[res[0]-1]
	retry := time.UnixMilli(res[1]).Add(r.Window).Sub(now)
	return Decision{RetryAfter: max(retry, time.Millisecond), Rule: r}, nil
}

// member is unique per attempt.
func member(now time.Time) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return strconv.FormatInt(now.UnixNano(), 36) + "-" + hex.EncodeToString(b)
}

// Reset forgets the attempts under key (e.g. after a successful login).
func (l *Limiter) Reset(ctx context.Context, key string) {
	l.local.reset(l.prefix + ":" + key)
	if l.client != nil && l.now().UnixNano() >= l.downUntil.Load() {
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		_ = l.client.Del(rctx, l.prefix+":"+key).Err()
	}
}

func (l *Limiter) warn(err error) {
	l.warnMu.Lock()
	defer l.warnMu.Unlock()
	if time.Since(l.lastWarn) < time.Minute {
		return
	}
	l.lastWarn = time.Now()
	l.log.Warn("rate limiter: Redis unavailable, counting in this process", "prefix", l.prefix, "err", err)
}

// memory is the in-process fallback: attempt times per key.
type memory struct {
	mu    sync.Mutex
	hits  map[string][]time.Time
	sweep time.Time
}

func newMemory() *memory { return &memory{hits: map[string][]time.Time{}} }

func (m *memory) reset(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.hits, key)
}

func (m *memory) hit(prefix string, now time.Time, rules []Rule) Decision {
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.After(m.sweep) {
		for k, ts := range m.hits {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) > 24*time.Hour {
				delete(m.hits, k)
			}
		}
		m.sweep = now.Add(time.Minute)
	}
	for _, r := range rules {
		k := prefix + ":" + r.Key
		ts := m.hits[k]
		cut := sort.Search(len(ts), func(i int) bool { return now.Sub(ts[i]) < r.Window })
		ts = ts[cut:]
		m.hits[k] = ts
		if len(ts) >= r.Max {
			return Decision{RetryAfter: max(ts[0].Add(r.Window).Sub(now), time.Millisecond), Rule: r}
		}
	}
	for _, r := range rules {
		k := prefix + ":" + r.Key
		m.hits[k] = append(m.hits[k], now)
	}
	return Decision{Allowed: true}
}
