package ratelimit

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// CardUseLimits sets the card-use limits: attempts per user and per client IP
// in any Window (sliding). A limit of 0 disables it.
type CardUseLimits struct {
	PerUser int
	PerIP   int
	// Window defaults to one minute.
	Window time.Duration
	// Prefix of the Redis keys; default "cards:use".
	Prefix string
}

// CardUses implements commands/cards.CardUses with the sliding window
// Limiter: counters in Redis, so the
// limits hold across server processes, counted in process while Redis does
// not answer.
type CardUses struct {
	lim *Limiter
	cfg CardUseLimits
}

// NewCardUses returns a limiter on client (nil: in-process counters only).
func NewCardUses(client redis.UniversalClient, cfg CardUseLimits, logger *slog.Logger) *CardUses {
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "cards:use"
	}
	return &CardUses{lim: New(client, cfg.Prefix, logger), cfg: cfg}
}

// Allow counts one attempt by userID from ip.
func (l *CardUses) Allow(ctx context.Context, userID, ip string) (bool, time.Duration, error) {
	var rules []Rule
	if userID != "" {
		rules = append(rules, Rule{Key: "u:" + userID, Max: l.cfg.PerUser, Window: l.cfg.Window})
	}
	if ip != "" {
		rules = append(rules, Rule{Key: "ip:" + ip, Max: l.cfg.PerIP, Window: l.cfg.Window})
	}
	d, err := l.lim.Hit(ctx, rules...)
	if err != nil {
		return false, 0, err
	}
	return d.Allowed, d.RetryAfter, nil
}
