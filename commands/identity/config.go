// Package identity holds the identity commands: registration, login, JWT
// access/refresh tokens (000), sliding API tokens (001), API keys and the
// digest login (003), provider accounts, verification codes, the admin role
// and the bootstrap admin. Every command is (ctx, Cmd) (Result, error), with
// Meta (and, where it matters, the access.Actor) in Cmd. Handlers carries
// the ports, among them the identity policies (limits.go): password
// attempts and verification codes are limited here, for every API.
package identity

import (
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/identity"
)

// Argon2Params are the argon2id cost parameters used for new hashes.
// Verification reads the parameters from each stored PHC string, so raising
// them never locks anyone out.
type Argon2Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32
	KeyLength   uint32
}

// DefaultArgon2 follows OWASP's minimum for argon2id (19 MiB, 2 passes, 1
// lane): about 20-40 ms per hash on a server core.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// TestArgon2 is cheap, for tests only.
var TestArgon2 = Argon2Params{MemoryKiB: 256, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Config configures the identity commands.
type Config struct {
	// JWTSecret signs access and refresh tokens (HS256); at least 16 bytes
	// (32 or more recommended). Sharing it with another deployment makes
	// their tokens interchangeable, as 000 describes for Roamio and Ralendar.
	JWTSecret []byte
	// APITokenSecret derives API token keys from their ids, so the key itself
	// is never stored and a user's current key can be handed out again.
	// Empty: derived from JWTSecret.
	APITokenSecret []byte
	// AccessTokenTTL and RefreshTokenTTL are the JWT lifetimes (000: 5 min
	// and 15 days).
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// APITokenTTL is how long an API token lives after its last use (001: 3 h).
	APITokenTTL time.Duration
	// APITokenTouchInterval is how often a use is recorded at most.
	APITokenTouchInterval time.Duration
	// ClaimGrace is how long the claim of a registration that never
	// completed blocks its username or e-mail.
	ClaimGrace time.Duration
	// Argon2 are the password hashing costs (zero: DefaultArgon2).
	Argon2 Argon2Params
	// CodeTTL is how long an e-mail verification code lives (000: 10 min)
	// and VerificationTokenTTL how long the token a right code gives (5 min).
	CodeTTL              time.Duration
	VerificationTokenTTL time.Duration
	// MaxConcurrentHashes bounds memory: each hash takes Argon2.MemoryKiB.
	// Zero: 8.
	MaxConcurrentHashes int
}

// DefaultConfig holds the defaults of zero fields (JWTSecret has none).
var DefaultConfig = Config{
	AccessTokenTTL:        5 * time.Minute,
	RefreshTokenTTL:       15 * 24 * time.Hour,
	APITokenTTL:           identity.DefaultTokenTTL,
	APITokenTouchInterval: identity.DefaultTokenTouchInterval,
	ClaimGrace:            identity.DefaultClaimGrace,
	Argon2:                DefaultArgon2,
	MaxConcurrentHashes:   8,
	CodeTTL:               identity.DefaultCodeTTL,
	VerificationTokenTTL:  identity.DefaultVerificationTokenTTL,
}

// WithDefaults fills zero fields from DefaultConfig.
func (c Config) WithDefaults() Config {
	d := DefaultConfig
	if c.AccessTokenTTL <= 0 {
		c.AccessTokenTTL = d.AccessTokenTTL
	}
	if c.RefreshTokenTTL <= 0 {
		c.RefreshTokenTTL = d.RefreshTokenTTL
	}
	if c.APITokenTTL <= 0 {
		c.APITokenTTL = d.APITokenTTL
	}
	if c.APITokenTouchInterval <= 0 {
		c.APITokenTouchInterval = d.APITokenTouchInterval
	}
	if c.ClaimGrace <= 0 {
		c.ClaimGrace = d.ClaimGrace
	}
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = d.Argon2
	}
	if c.CodeTTL <= 0 {
		c.CodeTTL = d.CodeTTL
	}
	if c.VerificationTokenTTL <= 0 {
		c.VerificationTokenTTL = d.VerificationTokenTTL
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = d.MaxConcurrentHashes
	}
	return c
}

// Validate reports configuration errors (after WithDefaults).
func (c Config) Validate() error {
	var errs []error
	if len(c.JWTSecret) < 16 {
		errs = append(errs, fmt.Errorf("identity: JWT secret must have at least 16 bytes, has %d", len(c.JWTSecret)))
	}
	if len(c.APITokenSecret) > 0 && len(c.APITokenSecret) < 16 {
		errs = append(errs, fmt.Errorf("identity: API token secret must have at least 16 bytes"))
	}
	a := c.Argon2
	if a.Iterations < 1 || a.Parallelism < 1 || a.MemoryKiB < 8*uint32(a.Parallelism) || a.SaltLength < 8 || a.KeyLength < 16 {
		errs = append(errs, fmt.Errorf("identity: bad argon2 parameters %+v", a))
	}
	if c.APITokenTouchInterval >= c.APITokenTTL {
		errs = append(errs, fmt.Errorf("identity: API token touch interval %v must be shorter than its TTL %v", c.APITokenTouchInterval, c.APITokenTTL))
	}
	return errors.Join(errs...)
}
