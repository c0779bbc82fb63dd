package ratelimit

import (
	"context"
	"time"
)

// Verification-code limits of 000: one address at most CodeLimitPerEmail
// codes in CodeWindowPerEmail, one client address at most CodeLimitPerIP in
// CodeWindowPerIP.
const (
	CodeLimitPerEmail  = 3
	CodeWindowPerEmail = 5 * time.Minute
	CodeLimitPerIP     = 10
	CodeWindowPerIP    = time.Hour
)

// CodeSends implements commands/identity.CodeLimiter with the limits of 000,
// for every API that sends codes (Roamio's verification codes, the travel
// app's password reset).
type CodeSends struct{ lim *Limiter }

// NewCodeSends returns the code limiter counting with lim.
func NewCodeSends(lim *Limiter) *CodeSends { return &CodeSends{lim: lim} }

// Hit counts a code for the address digest asked from ip; a positive wait
// refuses it.
func (s *CodeSends) Hit(ctx context.Context, emailDigest, ip string) (time.Duration, error) {
	d, err := s.lim.Hit(ctx,
		Rule{Key: "email:" + emailDigest, Max: CodeLimitPerEmail, Window: CodeWindowPerEmail},
		Rule{Key: "ip:" + ip, Max: CodeLimitPerIP, Window: CodeWindowPerIP})
	if err != nil || d.Allowed {
		return 0, err
	}
	return d.RetryAfter, nil
}
