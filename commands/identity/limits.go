package identity

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/identity"
)

// AttemptLimiter limits password attempts, per account and per client
// address, across server processes (transport/ratelimit.PasswordAttempts).
// Every command that checks a password (or another secret a client could
// guess) asks it first, whichever API calls the command.
type AttemptLimiter interface {
	// Attempt counts an attempt on account from ip; a positive wait refuses
	// it (the secret is then not even checked).
	Attempt(ctx context.Context, account, ip string) (wait time.Duration, err error)
	// Succeeded clears the account's count after a right secret.
	Succeeded(ctx context.Context, account string)
}

// CodeLimiter limits the verification codes sent, per address and per
// client address, across server processes (transport/ratelimit.CodeSends).
type CodeLimiter interface {
	// Hit counts a code for the address (its digest) asked from ip; a
	// positive wait refuses it.
	Hit(ctx context.Context, emailDigest, ip string) (wait time.Duration, err error)
}

// Limits are the identity policies' counters; a nil one limits nothing.
type Limits struct {
	Attempts AttemptLimiter
	Codes    CodeLimiter
}

// SetLimits installs the limiters every password check and every code
// request goes through.
func (h *Handlers) SetLimits(l Limits) { h.limits = l }

// userAccount is the attempt key of a user whose id the command knows
// (ChangePassword, AppDigestLogin).
func userAccount(id int64) string { return "id:" + strconv.FormatInt(id, 10) }

// nameAccount is the attempt key of a login identifier (username, e-mail
// address, phone, id as typed), whichever API the login came through.
func nameAccount(identifier string) string {
	return "name:" + strings.ToLower(strings.TrimSpace(identifier))
}

// attempt asks the attempt limiter before a secret of account is checked.
func (h *Handlers) attempt(ctx context.Context, account, ip string) error {
	if h.limits.Attempts == nil {
		return nil
	}
	wait, err := h.limits.Attempts.Attempt(ctx, account, ip)
	if err != nil {
		return err
	}
	if wait > 0 {
		return identity.Throttled(identity.ErrTooManyAttempts, wait)
	}
	return nil
}

// succeeded clears account's attempts after a right secret.
func (h *Handlers) succeeded(ctx context.Context, account string) {
	if h.limits.Attempts != nil {
		h.limits.Attempts.Succeeded(ctx, account)
	}
}

// codeAllowed asks the code limiter before a code for email is sent.
func (h *Handlers) codeAllowed(ctx context.Context, email identity.Email, ip string) error {
	if h.limits.Codes == nil {
		return nil
	}
	wait, err := h.limits.Codes.Hit(ctx, email.Digest(), ip)
	if err != nil {
		return err
	}
	if wait > 0 {
		return identity.Throttled(identity.ErrTooManyCodes, wait)
	}
	return nil
}
