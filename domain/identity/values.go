package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/fault"
)

// Limits of the credential values (Django's defaults where it has them).
const (
	MaxUsernameLength = 150
	MaxEmailLength    = 254
	MinPasswordLength = 8
	// MaxPasswordLength bounds the work of hashing a password.
	MaxPasswordLength = 1024
)

// Username is a validated username. Its Key (lowercased) is what must be
// unique; the username keeps the case the user chose.
type Username struct{ s string }

// NewUsername validates a username as Django does: 1 to 150 characters,
// letters, digits and @ . + - _ only. Surrounding spaces are trimmed.
func NewUsername(s string) (Username, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Username{}, fault.Invalidf("username", "This field may not be blank.")
	}
	if utf8.RuneCountInString(s) > MaxUsernameLength {
		return Username{}, fault.Invalidf("username", "Ensure this field has no more than %d characters.", MaxUsernameLength)
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || strings.ContainsRune("@.+-", r)) {
			return Username{}, fault.Invalidf("username", "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.")
		}
	}
	return Username{s: s}, nil
}

// String is the username as chosen.
func (u Username) String() string { return u.s }

// Key is the case-insensitive form that must be unique.
func (u Username) Key() string { return UsernameKey(u.s) }

// IsZero reports whether u was never set.
func (u Username) IsZero() bool { return u.s == "" }

// UsernameKey is the case-insensitive form of a username (also for lookups
// of unvalidated input).
func UsernameKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Email is a validated e-mail address, or the empty address (accounts
// without one).
type Email struct{ s string }

// NewEmail validates an e-mail address: one "@", a non-empty local part and
// a domain with a dot (or "localhost"), no spaces, at most 254 characters.
// The empty string is the empty address; callers that require an address
// check IsZero.
func NewEmail(s string) (Email, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Email{}, nil
	}
	invalid := fault.Invalidf("email", "Enter a valid email address.")
	if len(s) > MaxEmailLength {
		return Email{}, fault.Invalidf("email", "Ensure this field has no more than %d characters.", MaxEmailLength)
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return Email{}, invalid
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return Email{}, invalid
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return Email{}, invalid
	}
	for _, r := range local {
		// RFC 5322 dot-atom text (quoted local parts are not accepted, as
		// Django's validator does not either).
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
			return Email{}, invalid
		}
	}
	for _, r := range domain {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-') {
			return Email{}, invalid
		}
	}
	if domain != "localhost" {
		labels := strings.Split(domain, ".")
		if len(labels) < 2 {
			return Email{}, invalid
		}
		for _, l := range labels {
			if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
				return Email{}, invalid
			}
		}
	}
	return Email{s: s}, nil
}

// String is the address as given.
func (e Email) String() string { return e.s }

// IsZero reports whether the address is empty.
func (e Email) IsZero() bool { return e.s == "" }

// Key is the case-insensitive form that must be unique.
func (e Email) Key() string { return EmailKey(e.s) }

// Digest is the SHA-256 (hex) of Key, used in claim stream ids.
func (e Email) Digest() string { return EmailDigest(e.s) }

// EmailKey is the case-insensitive form of an address.
func EmailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// EmailDigest is the SHA-256 (hex) of the address's case-insensitive form.
func EmailDigest(s string) string { return sha256Hex(EmailKey(s)) }

// ValidatePassword applies the password policy to a new password (Django's
// default validators without the common-password list): at least 8
// characters, not entirely numeric, not the username.
func ValidatePassword(password string, username Username) error {
	if password == "" {
		return fault.Invalidf("password", "This field may not be blank.")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return fault.Invalidf("password", "This password is too short. It must contain at least %d characters.", MinPasswordLength)
	}
	if len(password) > MaxPasswordLength {
		return fault.Invalidf("password", "Ensure this field has no more than %d characters.", MaxPasswordLength)
	}
	numeric := true
	for _, r := range password {
		if !unicode.IsDigit(r) {
			numeric = false
			break
		}
	}
	if numeric {
		return fault.Invalidf("password", "This password is entirely numeric.")
	}
	if !username.IsZero() && strings.EqualFold(password, username.String()) {
		return fault.Invalidf("password", "The password is too similar to the username.")
	}
	return nil
}

// HashTokenKey is the digest under which an API token key is stored and
// looked up: SHA-256, hex. Keys are random, so no salt is needed.
func HashTokenKey(key string) string { return sha256Hex(key) }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
