package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

// PersonalData seals personal data for a data subject so that erasing the
// subject makes it unreadable (transport/personaldata implements it).
type PersonalData interface {
	Seal(ctx context.Context, subject, plaintext string) (string, error)
}

// SetPersonalData installs the personal-data vault the verification commands
// seal recipients with.
func (h *Handlers) SetPersonalData(p PersonalData) { h.personal = p }

// VerificationKey is the key verification codes are derived with (the mail
// worker derives the same digits from a code's id).
func (h *Handlers) VerificationKey() []byte { return h.verifyKey }

func deriveKey(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// RequestVerificationCode asks for a code sent to an address.
type RequestVerificationCode struct {
	Meta    eventlog.Metadata
	Email   string
	Purpose string
}

// CodeRequested is where the request landed and when the code expires.
type CodeRequested struct {
	CodeID    string
	ExpiresAt time.Time
	Position  eventlog.Position
}

// RequestVerificationCode validates the address and purpose (register and
// change_email: the address must be free; reset_password and verify_email:
// it must be an account's; bind_email: BindEmail decides), seals the address in the personal-data vault and appends
// VerificationCodeRequested; the mail reaction sends the code. Beyond the
// code limits (per address, per client address: Limits.Codes) it is
// ErrTooManyCodes and nothing is sent, whichever API asks.
func (h *Handlers) RequestVerificationCode(ctx context.Context, cmd RequestVerificationCode) (CodeRequested, error) {
	email, err := h.codeEmail(cmd.Email, cmd.Purpose)
	if err != nil {
		return CodeRequested{}, err
	}
	if err := h.codeAllowed(ctx, email, cmd.Meta.ClientIP); err != nil {
		return CodeRequested{}, err
	}
	switch cmd.Purpose {
	case identity.PurposeRegister, identity.PurposeChangeEmail:
		if err := h.available(ctx, identity.EmailClaimStream(email), identity.ErrEmailTaken); err != nil {
			return CodeRequested{}, err
		}
	case identity.PurposeBindEmail:
		// Free, or the caller's own unverified address: BindEmail decides.
	default:
		if _, found, err := h.emailHolder(ctx, email); err != nil {
			return CodeRequested{}, err
		} else if !found {
			return CodeRequested{}, identity.ErrEmailNotRegistered
		}
	}
	if h.personal == nil {
		return CodeRequested{}, errors.New("identity: no personal-data vault configured")
	}
	ref, err := h.personal.Seal(ctx, identity.EmailDataSubject(email.Digest()), email.String())
	if err != nil {
		return CodeRequested{}, err
	}
	codeID := strings.ReplaceAll(uuid.NewString(), "-", "")
	var out CodeRequested
	res, err := h.runner.Execute(ctx, identity.EmailVerificationStream(email), cmd.Meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		v := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history))
		events, err := v.RequestCode(codeID, cmd.Purpose, ref, h.clock.Now(), h.cfg.CodeTTL)
		if err == nil {
			out.ExpiresAt = events[0].(identity.VerificationCodeRequested).ExpiresAt
		}
		return events, err
	})
	if err != nil {
		return CodeRequested{}, err
	}
	out.CodeID, out.Position = codeID, res.Append.Position
	return out, nil
}

func (h *Handlers) codeEmail(raw, purpose string) (identity.Email, error) {
	var errs []error
	email, err := identity.NewEmail(raw)
	if err != nil {
		errs = append(errs, err)
	} else if email.IsZero() {
		errs = append(errs, fault.Invalidf("email", "This field may not be blank."))
	}
	if !identity.ValidPurpose(purpose) {
		errs = append(errs, fault.Invalidf("type", "\"%s\" is not a valid choice.", purpose))
	}
	return email, errors.Join(errs...)
}

// emailHolder finds the account holding an address.
func (h *Handlers) emailHolder(ctx context.Context, email identity.Email) (int64, bool, error) {
	c, err := h.claimOf(ctx, identity.EmailClaimStream(email))
	if err != nil || !c.Held {
		return 0, false, err
	}
	ok, err := h.userExists(ctx, c.Holder)
	return c.Holder, ok, err
}

// VerifyCode checks a code.
type VerifyCode struct {
	Meta    eventlog.Metadata
	Email   string
	Code    string
	Purpose string
}

// CodeVerified carries the verification token (single use, 5 minutes).
type CodeVerified struct {
	Email     string
	Token     string
	ExpiresAt time.Time
	Position  eventlog.Position
}

// VerifyCode compares the code with the address's current code of the
// purpose. A wrong code is recorded (VerificationCodeRejected; five kill the
// code) and answered ErrCodeInvalid; a right one appends
// VerificationCodeVerified with a new verification token. For verify_email
// the account's address is marked verified (EmailVerified).
func (h *Handlers) VerifyCode(ctx context.Context, cmd VerifyCode) (CodeVerified, error) {
	meta := cmd.Meta
	email, err := h.codeEmail(cmd.Email, cmd.Purpose)
	if err != nil {
		return CodeVerified{}, err
	}
	code := strings.TrimSpace(cmd.Code)
	if code == "" {
		return CodeVerified{}, fault.Invalidf("code", "This field may not be blank.")
	}
	tokenID := strings.ReplaceAll(uuid.NewString(), "-", "")
	var (
		rejected bool
		expires  time.Time
	)
	res, err := h.runner.Execute(ctx, identity.EmailVerificationStream(email), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		v := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history))
		events, err := v.VerifyCode(cmd.Purpose, func(id string) bool {
			want := identity.VerificationCode(h.verifyKey, id)
			return subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
		}, tokenID, h.clock.Now(), h.cfg.VerificationTokenTTL)
		rejected = errors.Is(err, identity.ErrCodeInvalid)
		if rejected {
			return events, nil
		}
		if err == nil {
			expires = events[0].(identity.VerificationCodeVerified).TokenExpiresAt
		}
		return events, err
	})
	if err != nil {
		return CodeVerified{}, err
	}
	if rejected {
		return CodeVerified{}, identity.ErrCodeInvalid
	}
	pos := res.Append.Position
	if cmd.Purpose == identity.PurposeVerifyEmail {
		if id, found, err := h.emailHolder(ctx, email); err == nil && found {
			p, err := h.onUser(ctx, id, meta, func(u *identity.User) ([]eventlog.Event, error) {
				return u.VerifyEmail(email.Digest(), h.clock.Now()), nil
			})
			if err != nil {
				return CodeVerified{}, err
			}
			pos = maxPos(pos, p)
		}
	}
	return CodeVerified{Email: email.String(), Token: h.verificationToken(tokenID), ExpiresAt: expires, Position: pos}, nil
}

// verificationToken is "<token id>.<MAC of the id>": the log holds the id
// only, so reading the log does not give anyone a usable token.
func (h *Handlers) verificationToken(tokenID string) string {
	m := hmac.New(sha256.New, h.verifyKey)
	m.Write([]byte("verification-token:" + tokenID))
	return tokenID + "." + hex.EncodeToString(m.Sum(nil))[:32]
}

func (h *Handlers) parseVerificationToken(token string) (string, bool) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(token) > 128 {
		return "", false
	}
	return id, hmac.Equal([]byte(h.verificationToken(id)), []byte(token))
}

// ResetPassword sets a new password with a verification token of purpose
// reset_password.
type ResetPassword struct {
	Meta              eventlog.Metadata
	Email             string
	VerificationToken string
	NewPassword       string
	// PasswordForm is how the API's client sends NewPassword (004:
	// MD5HexForm). It is stored in the scheme schemeFor chooses.
	PasswordForm PasswordForm
}

// ResetPassword validates the new password, uses the token (single use:
// VerificationTokenUsed) and appends PasswordChanged (reason "reset") to the
// account holding the address.
func (h *Handlers) ResetPassword(ctx context.Context, cmd ResetPassword) (Done, error) {
	meta := cmd.Meta
	email, err := h.codeEmail(cmd.Email, identity.PurposeResetPassword)
	if err != nil {
		return Done{}, err
	}
	tokenID, ok := h.parseVerificationToken(strings.TrimSpace(cmd.VerificationToken))
	if !ok {
		return Done{}, identity.ErrVerificationTokenInvalid
	}
	id, found, err := h.emailHolder(ctx, email)
	if err != nil {
		return Done{}, err
	}
	if !found {
		return Done{}, identity.ErrVerificationTokenInvalid
	}
	u, err := h.loadUser(ctx, id)
	if err != nil {
		return Done{}, err
	}
	username, _ := identity.NewUsername(u.Username())
	newPassword := newSecret(cmd.NewPassword, cmd.PasswordForm)
	if err := newPassword.validate(username); err != nil {
		return Done{}, fault.Invalidf("new_password", "%s", fieldMessage(err))
	}
	hash, err := h.newHash(ctx, newPassword, cmd.PasswordForm, u.PasswordHash())
	if err != nil {
		return Done{}, err
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(id)
	}
	if _, err := h.runner.Execute(ctx, identity.EmailVerificationStream(email), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		v := identity.EmailVerificationFromHistory(email.Digest(), eventsOf(history))
		return v.UseToken(tokenID, identity.PurposeResetPassword, id, h.clock.Now())
	}); err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, id, meta, func(u *identity.User) ([]eventlog.Event, error) {
		events, err := u.ResetPassword(hash, h.clock.Now())
		if err != nil {
			return nil, err
		}
		return append(events, u.VerifyEmail(email.Digest(), h.clock.Now())...), nil
	})
	return Done{Position: pos}, err
}
