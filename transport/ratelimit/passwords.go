package ratelimit

import (
	"context"
	"strings"
	"time"
)

// PasswordLimits caps password attempts: at most PerAccount attempts on one
// account and PerIP attempts from one client address in any Window (default
// 15 minutes). A successful check clears the account's count. 0 disables a
// limit.
type PasswordLimits struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// PasswordAttempts implements commands/identity.AttemptLimiter: the
// identity commands ask it before every password (or API-key digest) check,
// whichever API calls them. Its counters live in Redis through the Limiter,
// so the limits hold across processes.
type PasswordAttempts struct {
	lim *Limiter
	cfg PasswordLimits
}

// NewPasswordAttempts returns the attempt limiter counting with lim.
func NewPasswordAttempts(lim *Limiter, cfg PasswordLimits) *PasswordAttempts {
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	return &PasswordAttempts{lim: lim, cfg: cfg}
}

func accountKey(account string) string { return "acct:" + strings.ToLower(strings.TrimSpace(account)) }

// Attempt counts an attempt on account from ip; a positive wait refuses it
// (the password must then not even be checked).
func (g *PasswordAttempts) Attempt(ctx context.Context, account, ip string) (time.Duration, error) {
	rules := []Rule{{Key: "ip:" + ip, Max: g.cfg.PerIP, Window: g.cfg.Window}}
	if strings.TrimSpace(account) != "" {
		rules = append(rules, Rule{Key: accountKey(account), Max: g.cfg.PerAccount, Window: g.cfg.Window})
	}
	d, err := g.lim.Hit(ctx, rules...)
	if err != nil || d.Allowed {
		return 0, err
	}
	return d.RetryAfter, nil
}

// Succeeded clears the account's count after a right password.
func (g *PasswordAttempts) Succeeded(ctx context.Context, account string) {
	g.lim.Reset(ctx, accountKey(account))
}
