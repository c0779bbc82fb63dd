package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// EmailVerificationCategory is the category of the verification streams:
// "emailverify-<sha256 hex of the lowercased address>", one per address, for
// every purpose. The stream id holds the digest, never the address.
const EmailVerificationCategory = "emailverify"

// EmailVerificationStream is the verification stream of an address.
func EmailVerificationStream(e Email) string {
	return eventlog.StreamID(EmailVerificationCategory, e.Digest())
}

// Purposes of e-mail verification codes (000's "type", and the Roamio web
// client's bind_email and change_email).
const (
	PurposeRegister      = "register"
	PurposeResetPassword = "reset_password"
	PurposeVerifyEmail   = "verify_email"
	PurposeBindEmail     = "bind_email"
	PurposeChangeEmail   = "change_email"
)

// Lifetimes and bounds of verification codes (000: codes live 10 minutes, the
// verification_token 5 minutes).
const (
	DefaultCodeTTL              = 10 * time.Minute
	DefaultVerificationTokenTTL = 5 * time.Minute
	// MaxCodeFailures wrong guesses kill a code.
	MaxCodeFailures = 5
	CodeDigits      = 6
)

// ValidPurpose reports whether p is a purpose of verification codes.
func ValidPurpose(p string) bool {
	switch p {
	case PurposeRegister, PurposeResetPassword, PurposeVerifyEmail, PurposeBindEmail, PurposeChangeEmail:
		return true
	}
	return false
}

// Errors of verification.
var (
	ErrCodeInvalid = &fault.Error{Kind: fault.Invalid, Code: "CODE_INVALID", Field: "code", Message: "验证码错误"}
	ErrCodeExpired = &fault.Error{Kind: fault.Invalid, Code: "CODE_EXPIRED", Field: "code", Message: "验证码已过期,请重新获取"}
	ErrCodeMissing = &fault.Error{Kind: fault.Invalid, Code: "CODE_NOT_REQUESTED", Field: "code", Message: "请先获取验证码"}
	// ErrVerificationTokenInvalid answers a forged, expired, used or foreign
	// verification_token alike.
	ErrVerificationTokenInvalid = &fault.Error{Kind: fault.Invalid, Code: "VERIFICATION_TOKEN_INVALID", Field: "verification_token",
		Message: "验证令牌无效或已过期"}
	ErrEmailNotRegistered = &fault.Error{Kind: fault.Invalid, Code: "EMAIL_NOT_REGISTERED", Field: "email", Message: "该邮箱未注册"}
)

// VerificationCode derives the code of codeID with key: the code is never
// stored, the log holds only its id, and the mail worker and the verifier
// derive the same digits. key is the deployment's verification key.
func VerificationCode(key []byte, codeID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("verification-code:" + codeID))
	n := binary.BigEndian.Uint64(m.Sum(nil)[:8]) % 1_000_000
	return fmt.Sprintf("%06d", n)
}

// VerificationCodeRequested records that a code was made for an address and a
// purpose; the mail worker sends it. RecipientRef is the address sealed in
// the personal-data vault (erasable: see docs/identity.md), never the address.
type VerificationCodeRequested struct {
	CodeID       string    `json:"code_id"`
	EmailDigest  string    `json:"email_digest"`
	Purpose      string    `json:"purpose"`
	RecipientRef string    `json:"recipient_ref"`
	RequestedAt  time.Time `json:"requested_at"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// VerificationCodeRejected records a wrong guess of a code.
type VerificationCodeRejected struct {
	CodeID      string    `json:"code_id"`
	EmailDigest string    `json:"email_digest"`
	Purpose     string    `json:"purpose"`
	RejectedAt  time.Time `json:"rejected_at"`
}

// VerificationCodeVerified records a right code and the verification token
// issued for it (its id; the token itself is a MAC of the id).
type VerificationCodeVerified struct {
	CodeID         string    `json:"code_id"`
	EmailDigest    string    `json:"email_digest"`
	Purpose        string    `json:"purpose"`
	TokenID        string    `json:"token_id"`
	VerifiedAt     time.Time `json:"verified_at"`
	TokenExpiresAt time.Time `json:"token_expires_at"`
}

// VerificationTokenUsed records the single use of a verification token.
type VerificationTokenUsed struct {
	TokenID     string    `json:"token_id"`
	EmailDigest string    `json:"email_digest"`
	Purpose     string    `json:"purpose"`
	UserID      int64     `json:"user_id,omitempty"`
	UsedAt      time.Time `json:"used_at"`
}

// EmailVerified marks a user's current address as verified (code of purpose
// verify_email or register).
type EmailVerified struct {
	UserID      int64     `json:"user_id"`
	EmailDigest string    `json:"email_digest"`
	VerifiedAt  time.Time `json:"verified_at"`
}

type pendingCode struct {
	id        string
	expiresAt time.Time
	failures  int
	verified  bool
}

type verificationToken struct {
	purpose   string
	expiresAt time.Time
	used      bool
}

// EmailVerification is the state of one address's verification stream.
type EmailVerification struct {
	digest string
	codes  map[string]*pendingCode // by purpose: the latest code
	tokens map[string]*verificationToken
}

// EmailVerificationFromHistory rebuilds the state of a verification stream.
func EmailVerificationFromHistory(digest string, history []eventlog.Event) *EmailVerification {
	v := &EmailVerification{digest: digest, codes: map[string]*pendingCode{}, tokens: map[string]*verificationToken{}}
	for _, e := range history {
		switch e := e.(type) {
		case VerificationCodeRequested:
			v.codes[e.Purpose] = &pendingCode{id: e.CodeID, expiresAt: e.ExpiresAt}
		case VerificationCodeRejected:
			if c := v.codes[e.Purpose]; c != nil && c.id == e.CodeID {
				c.failures++
			}
		case VerificationCodeVerified:
			if c := v.codes[e.Purpose]; c != nil && c.id == e.CodeID {
				c.verified = true
			}
			v.tokens[e.TokenID] = &verificationToken{purpose: e.Purpose, expiresAt: e.TokenExpiresAt}
		case VerificationTokenUsed:
			if t := v.tokens[e.TokenID]; t != nil {
				t.used = true
			}
		}
	}
	return v
}

// RequestCode decides a new code for purpose; it supersedes the previous
// code of that purpose. recipientRef is the sealed address.
func (v *EmailVerification) RequestCode(codeID, purpose, recipientRef string, now time.Time, ttl time.Duration) ([]eventlog.Event, error) {
	if !ValidPurpose(purpose) {
		return nil, fault.Invalidf("type", "\"%s\" is not a valid choice.", purpose)
	}
	if codeID == "" || recipientRef == "" {
		return nil, fmt.Errorf("identity: request code without id or recipient")
	}
	return []eventlog.Event{VerificationCodeRequested{CodeID: codeID, EmailDigest: v.digest, Purpose: purpose,
		RecipientRef: recipientRef, RequestedAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC()}}, nil
}

// VerifyCode checks a guess of the current code of purpose: code(id) tells
// whether the guess is the code with that id. A right guess issues the
// verification token tokenID; a wrong one is recorded (after MaxCodeFailures
// the code is dead) and reported by ok false with ErrCodeInvalid as err, the
// events still to be appended.
func (v *EmailVerification) VerifyCode(purpose string, matches func(codeID string) bool, tokenID string, now time.Time, tokenTTL time.Duration) (events []eventlog.Event, err error) {
	c := v.codes[purpose]
	switch {
	case c == nil || c.verified:
		return nil, ErrCodeMissing
	case !now.Before(c.expiresAt) || c.failures >= MaxCodeFailures:
		return nil, ErrCodeExpired
	}
	if !matches(c.id) {
		return []eventlog.Event{VerificationCodeRejected{CodeID: c.id, EmailDigest: v.digest, Purpose: purpose, RejectedAt: now.UTC()}}, ErrCodeInvalid
	}
	return []eventlog.Event{VerificationCodeVerified{CodeID: c.id, EmailDigest: v.digest, Purpose: purpose, TokenID: tokenID,
		VerifiedAt: now.UTC(), TokenExpiresAt: now.Add(tokenTTL).UTC()}}, nil
}

// UseToken decides the single use of verification token tokenID for purpose
// by user (0 when none).
func (v *EmailVerification) UseToken(tokenID, purpose string, user int64, now time.Time) ([]eventlog.Event, error) {
	t := v.tokens[tokenID]
	if t == nil || t.used || t.purpose != purpose || !now.Before(t.expiresAt) {
		return nil, ErrVerificationTokenInvalid
	}
	return []eventlog.Event{VerificationTokenUsed{TokenID: tokenID, EmailDigest: v.digest, Purpose: purpose, UserID: user, UsedAt: now.UTC()}}, nil
}

// EmailDataSubject is the personal-data subject under which an address that
// is not (yet) an account's is sealed: "email:<digest>".
func EmailDataSubject(digest string) string { return "email:" + digest }

// UserDataSubject is the personal-data subject of a user: "user:<id>".
func UserDataSubject(id int64) string { return "user:" + FormatUserID(id) }
