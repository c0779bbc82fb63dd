package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Passwords hashes and verifies passwords with argon2id in the PHC string
// format ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", unpadded base64),
// bounding how many hashes run at once. The PHC identifier names the scheme
// (password_form.go): "argon2id" over the password itself, "argon2id-md5"
// over the lowercase hex MD5 of the password (accounts of 004's Android
// app).
type Passwords struct {
	params Argon2Params
	sem    chan struct{}

	dummyOnce sync.Once
	dummy     string
}

// NewPasswords returns a hasher with params, running at most concurrent
// hashes at a time.
func NewPasswords(params Argon2Params, concurrent int) *Passwords {
	if concurrent <= 0 {
		concurrent = 1
	}
	return &Passwords{params: params, sem: make(chan struct{}, concurrent)}
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password with a fresh random salt (the
// plain scheme).
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	return p.hash(ctx, schemePlain, password)
}

// hash returns the PHC string of scheme over input (what the scheme hashes:
// secret.inputFor) with a fresh random salt.
func (p *Passwords) hash(ctx context.Context, sc scheme, input string) (string, error) {
	salt := make([]byte, p.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	a := p.params
	key := argon2.IDKey([]byte(input), salt, a.Iterations, a.MemoryKiB, a.Parallelism, a.KeyLength)
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", sc, argon2.Version, a.MemoryKiB, a.Iterations, a.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password (as every API but 004 receives it: the
// password itself) matches the PHC string. A malformed string never
// matches. The only error is ctx's.
func (p *Passwords) Verify(ctx context.Context, password, phc string) (bool, error) {
	return p.verify(ctx, plainSecret(password), phc)
}

// verify reports whether s matches the PHC string of either scheme.
func (p *Passwords) verify(ctx context.Context, s secret, phc string) (bool, error) {
	sc, params, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, nil
	}
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	got := argon2.IDKey([]byte(s.inputFor(sc)), salt, params.Iterations, params.MemoryKiB, params.Parallelism, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// rehash hashes s again with the current parameters, in the scheme of old.
func (p *Passwords) rehash(ctx context.Context, s secret, old string) (string, error) {
	sc := schemeOf(old)
	return p.hash(ctx, sc, s.inputFor(sc))
}

// Waste spends the time of one verification, so that a login for an
// unknown user takes as long as one with a wrong password.
func (p *Passwords) Waste(ctx context.Context, password string) error {
	p.dummyOnce.Do(func() {
		p.dummy, _ = p.Hash(context.Background(), "not a password of anyone")
	})
	_, err := p.Verify(ctx, password, p.dummy)
	return err
}

// NeedsRehash reports whether phc was made with other parameters than the
// current ones.
func (p *Passwords) NeedsRehash(phc string) bool {
	_, params, salt, key, err := parsePHC(phc)
	return err != nil || params.MemoryKiB != p.params.MemoryKiB || params.Iterations != p.params.Iterations ||
		params.Parallelism != p.params.Parallelism || uint32(len(salt)) != p.params.SaltLength || uint32(len(key)) != p.params.KeyLength
}

func (p *Passwords) acquire(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Passwords) release() { <-p.sem }

var errPHC = errors.New("malformed argon2id PHC string")

// maxVerifyMemoryKiB refuses stored hashes that would take absurd memory.
const maxVerifyMemoryKiB = 1 << 21 // 2 GiB

// schemeOf is the scheme of a stored hash (plain when it is none of ours).
func schemeOf(phc string) scheme {
	if sc, _, _, _, err := parsePHC(phc); err == nil {
		return sc
	}
	return schemePlain
}

// parsePHC reads a PHC string of either scheme: its scheme, parameters,
// salt and key.
func parsePHC(phc string) (scheme, Argon2Params, []byte, []byte, error) {
	var a Argon2Params
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" {
		return "", a, nil, nil, errPHC
	}
	sc := scheme(parts[1])
	if sc != schemePlain && sc != schemeMD5 {
		return "", a, nil, nil, errPHC
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return "", a, nil, nil, errPHC
	}
	var par uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &a.MemoryKiB, &a.Iterations, &par); err != nil {
		return "", a, nil, nil, errPHC
	}
	if par < 1 || par > 255 || a.Iterations < 1 || a.MemoryKiB < 8*par || a.MemoryKiB > maxVerifyMemoryKiB || a.Iterations > 100 {
		return "", a, nil, nil, errPHC
	}
	a.Parallelism = uint8(par)
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) == 0 {
		return "", a, nil, nil, errPHC
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return "", a, nil, nil, errPHC
	}
	return sc, a, salt, key, nil
}
