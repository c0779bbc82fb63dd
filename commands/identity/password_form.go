package identity

import (
	"context"
	"crypto/md5" // 004's client sends MD5 digests; argon2id runs over them
	"encoding/hex"
	"strings"

	"github.com/fiveapis/backend/domain/identity"
)

// PasswordForm is how an API's clients send passwords; commands that take a
// password take it as an option (the zero value: the password itself).
//
// 004's Android client (Travellog) sends every password as the lowercase
// hex MD5 of what the user typed. That digest is all the server ever sees
// from it, so an account used by the app is stored in the md5 scheme:
// argon2id over the hex digest ("$argon2id-md5$…"), which checks both the
// app's digest and, through every other API, the password itself (hashed
// to the digest first). Accounts of the other APIs stay in the plain
// scheme ("$argon2id$…"), where a digest is not a password-equivalent.
// docs/identity.md ("Passwords sent as MD5") weighs the trade-off.
type PasswordForm uint8

const (
	// PlainForm is the password itself: every API but 004.
	PlainForm PasswordForm = iota
	// MD5HexForm is 004's: a value of 32 hex digits is the MD5 of the
	// password (its Android client), any other value the password itself
	// (its seed document's clients). A password set in this form is stored
	// in the md5 scheme.
	MD5HexForm
)

// scheme is the PHC identifier of a stored hash: what argon2id ran over.
type scheme string

const (
	// schemePlain: argon2id over the password.
	schemePlain scheme = "argon2id"
	// schemeMD5: argon2id over the lowercase hex MD5 of the password.
	schemeMD5 scheme = "argon2id-md5"
)

// secret is a password as a command received it.
type secret struct {
	raw string
	// digest: raw is the hex MD5 of the password (MD5HexForm, 32 hex
	// digits).
	digest bool
}

// plainSecret is a password given itself.
func plainSecret(password string) secret { return secret{raw: password} }

// newSecret reads password in form.
func newSecret(password string, form PasswordForm) secret {
	return secret{raw: password, digest: form == MD5HexForm && isMD5Hex(password)}
}

// isMD5Hex reports whether s has the shape of a hex MD5 digest.
func isMD5Hex(s string) bool {
	if len(s) != 2*md5.Size {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// md5Hex is the lowercase hex MD5 of the password: the given digest, or
// the password's.
func (s secret) md5Hex() string {
	if s.digest {
		return strings.ToLower(s.raw)
	}
	sum := md5.Sum([]byte(s.raw))
	return hex.EncodeToString(sum[:])
}

// inputFor is what argon2id runs over to check s against a hash of sc, or
// to store s in sc. For the md5 scheme it is the digest (given, or computed
// from the password). For the plain scheme it is the value as given: a
// digest cannot be checked against a hash of the password itself, so a
// value of 32 hex digits is taken literally there (it matches only an
// account whose password is that very text, never through its digest).
func (s secret) inputFor(sc scheme) string {
	if sc == schemeMD5 {
		return s.md5Hex()
	}
	return s.raw
}

// validate applies the password rules to a password given itself. A digest
// hides the password, so its rules are the client's (Travellog asks for 6
// characters or more).
func (s secret) validate(username identity.Username) error {
	if s.digest {
		return nil
	}
	return identity.ValidatePassword(s.raw, username)
}

// schemeFor is the scheme a password set in form is stored in, on an
// account whose current hash is current ("" when it has none): 004's form
// always stores the md5 scheme (its app can only ever send the digest);
// the other forms keep the account's scheme, so that a password changed or
// reset on the web still works in the app.
func schemeFor(form PasswordForm, current string) scheme {
	if form == MD5HexForm || (current != "" && schemeOf(current) == schemeMD5) {
		return schemeMD5
	}
	return schemePlain
}

// newHash hashes a password set in form on an account whose current hash
// is current.
func (h *Handlers) newHash(ctx context.Context, s secret, form PasswordForm, current string) (string, error) {
	sc := schemeFor(form, current)
	return h.passwords.hash(ctx, sc, s.inputFor(sc))
}
