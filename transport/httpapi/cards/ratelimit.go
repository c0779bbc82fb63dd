package cards

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// LimitConfig sets the card-use limits: attempts per user and per client IP
// in each Window (fixed windows). A limit of 0 disables it.
type LimitConfig struct {
	PerUser int
	PerIP   int
	// Window defaults to one minute.
	Window time.Duration
	// Prefix of the Redis keys; default "cards:use".
	Prefix string
}

// UseLimiter implements commands/cards.UseLimiter with counters in Redis, so
// the limits hold across server processes. When Redis does not answer, it
// counts in this process instead (and logs a warning at most once a minute):
// the limits then hold per process rather than not at all.
type UseLimiter struct {
	client redis.UniversalClient
	cfg    LimitConfig
	now    func() time.Time
	log    *slog.Logger
	local  *memoryCounter

	warnMu   sync.Mutex
	lastWarn time.Time
	// downUntil: after a Redis failure the limiter counts in process for a
	// while instead of waiting for Redis on every attempt.
	downUntil atomic.Int64
}

// redisRetry is how long the limiter stays in process after a Redis failure.
const redisRetry = 5 * time.Second

// NewUseLimiter returns a limiter on client (nil: in-process counters only).
func NewUseLimiter(client redis.UniversalClient, cfg LimitConfig, logger *slog.Logger) *UseLimiter {
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "cards:use"
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &UseLimiter{client: client, cfg: cfg, now: time.Now, log: logger, local: newMemoryCounter()}
}

// incrScript increments every key, setting its expiry on creation, and
// returns the counts.
var incrScript = redis.NewScript(`
local out = {}
for i, k in ipairs(KEYS) do
  local n = redis.call('INCR', k)
  if n == 1 then redis.call('PEXPIRE', k, ARGV[1]) end
  out[i] = n
end
return out`)

// Allow counts one attempt by userID from ip in the current window.
func (l *UseLimiter) Allow(ctx context.Context, userID, ip string) (bool, time.Duration, error) {
	type limit struct {
		key string
		max int
	}
	now := l.now()
	win := now.UnixNano() / int64(l.cfg.Window)
	suffix := ":" + strconv.FormatInt(win, 10)
	var limits []limit
	if l.cfg.PerUser > 0 && userID != "" {
		limits = append(limits, limit{l.cfg.Prefix + ":u:" + userID + suffix, l.cfg.PerUser})
	}
	if l.cfg.PerIP > 0 && ip != "" {
		limits = append(limits, limit{l.cfg.Prefix + ":ip:" + ip + suffix, l.cfg.PerIP})
	}
	if len(limits) == 0 {
		return true, 0, nil
	}
	keys := make([]string, len(limits))
	for i, lim := range limits {
		keys[i] = lim.key
	}
	counts, err := l.count(ctx, keys)
	if err != nil {
		return false, 0, err
	}
	wait := time.Duration((win+1)*int64(l.cfg.Window) - now.UnixNano())
	for i, lim := range limits {
		if counts[i] > int64(lim.max) {
			return false, wait, nil
		}
	}
	return true, 0, nil
}

func (l *UseLimiter) count(ctx context.Context, keys []string) ([]int64, error) {
	if l.client != nil && l.now().UnixNano() >= l.downUntil.Load() {
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		res, err := incrScript.Run(rctx, l.client, keys, (2 * l.cfg.Window).Milliseconds()).Int64Slice()
		cancel()
		if err == nil && len(res) == len(keys) {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		l.downUntil.Store(l.now().Add(redisRetry).UnixNano())
		l.warn(err)
	}
	return l.local.incr(keys, l.now().Add(2*l.cfg.Window)), nil
}

func (l *UseLimiter) warn(err error) {
	l.warnMu.Lock()
	defer l.warnMu.Unlock()
	if time.Since(l.lastWarn) < time.Minute {
		return
	}
	l.lastWarn = time.Now()
	l.log.Warn("card use limiter: Redis unavailable, counting in this process", "err", err)
}

// memoryCounter is the in-process fallback: counters that expire.
type memoryCounter struct {
	mu      sync.Mutex
	counts  map[string]int64
	expires map[string]time.Time
	sweep   time.Time
}

func newMemoryCounter() *memoryCounter {
	return &memoryCounter{counts: map[string]int64{}, expires: map[string]time.Time{}}
}

func (m *memoryCounter) incr(keys []string, expiry time.Time) []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if now.After(m.sweep) {
		for k, e := range m.expires {
			if now.After(e) {
				delete(m.counts, k)
				delete(m.expires, k)
			}
		}
		m.sweep = now.Add(time.Minute)
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		m.counts[k]++
		if _, ok := m.expires[k]; !ok {
			m.expires[k] = expiry
		}
		out[i] = m.counts[k]
	}
	return out
}
