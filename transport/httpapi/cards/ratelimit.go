package cards

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fiveapis/backend/transport/httpapi/ratelimit"
)

// LimitConfig sets the card-use limits: attempts per user and per client IP
// in any Window (sliding). A limit of 0 disables it.
type LimitConfig struct {
	PerUser int
	PerIP   int
	// Window defaults to one minute.
	Window time.Duration
	// Prefix of the Redis keys; default "cards:use".
	Prefix string
}

// UseLimiter implements commands/cards.UseLimiter with the shared sliding
// window limiter (transport/httpapi/ratelimit): counters in Redis, so the
// limits hold across server processes, counted in process while Redis does
// not answer.
type UseLimiter struct {
	lim *ratelimit.Limiter
	cfg LimitConfig
}

// NewUseLimiter returns a limiter on client (nil: in-process counters only).
func NewUseLimiter(client redis.UniversalClient, cfg LimitConfig, logger *slog.Logger) *UseLimiter {
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "cards:use"
	}
	return &UseLimiter{lim: ratelimit.New(client, cfg.Prefix, logger), cfg: cfg}
}

// Allow counts one attempt by userID from ip.
func (l *UseLimiter) Allow(ctx context.Context, userID, ip string) (bool, time.Duration, error) {
	var rules []ratelimit.Rule
	if userID != "" {
		rules = append(rules, ratelimit.Rule{Key: "u:" + userID, Max: l.cfg.PerUser, Window: l.cfg.Window})
	}
	if ip != "" {
		rules = append(rules, ratelimit.Rule{Key: "ip:" + ip, Max: l.cfg.PerIP, Window: l.cfg.Window})
	}
	d, err := l.lim.Hit(ctx, rules...)
	if err != nil {
		return false, 0, err
	}
	return d.Allowed, d.RetryAfter, nil
}
