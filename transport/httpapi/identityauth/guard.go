package identityauth

import (
	"context"
	"strings"
	"time"

	"github.com/fiveapis/backend/transport/ratelimit"
)

// GuardConfig limits password attempts: at most PerAccount attempts on one
// account and PerIP attempts from one client address in any Window. A
// successful login clears the account's count. 0 disables a limit.
type GuardConfig struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// PasswordGuard limits password attempts wherever a password is checked
// (every API's login, change-password, app login). Its counters live in
// Redis through ratelimit.Limiter, so the limits hold across processes.
type PasswordGuard struct {
	lim *ratelimit.Limiter
	cfg GuardConfig
}

// NewPasswordGuard returns a guard counting with lim.
func NewPasswordGuard(lim *ratelimit.Limiter, cfg GuardConfig) *PasswordGuard {
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	return &PasswordGuard{lim: lim, cfg: cfg}
}

func accountKey(account string) string { return "acct:" + strings.ToLower(strings.TrimSpace(account)) }

// Attempt counts an attempt on account from ip; a refused decision means the
// password must not even be checked. A nil guard allows everything.
func (g *PasswordGuard) Attempt(ctx context.Context, account, ip string) (ratelimit.Decision, error) {
	if g == nil {
		return ratelimit.Decision{Allowed: true}, nil
	}
	rules := []ratelimit.Rule{{Key: "ip:" + ip, Max: g.cfg.PerIP, Window: g.cfg.Window}}
	if strings.TrimSpace(account) != "" {
		rules = append(rules, ratelimit.Rule{Key: accountKey(account), Max: g.cfg.PerAccount, Window: g.cfg.Window})
	}
	return g.lim.Hit(ctx, rules...)
}

// Succeeded clears the account's count after a right password.
func (g *PasswordGuard) Succeeded(ctx context.Context, account string) {
	if g == nil {
		return
	}
	g.lim.Reset(ctx, accountKey(account))
}
