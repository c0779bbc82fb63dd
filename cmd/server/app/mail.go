package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/fiveapis/backend/transport/mail"
	"github.com/fiveapis/backend/transport/personaldata"
)

// identityParts are what the identity wiring keeps for operators and tests.
type identityParts struct {
	vault *personaldata.Vault
}

// Vault is the personal-data vault (erasure).
func (a *App) Vault() *personaldata.Vault { return a.identity.vault }

// MailWorkerName is the name (checkpoint key) of the reaction that mails
// verification codes; the mail worker before it was "mail-verification-codes"
// (engine migration 00002 moved its checkpoint).
const MailWorkerName = "mail_verification_codes"

// vaultOpener adapts the personal-data vault to the mail renderer's port:
// an erased recipient is mail.ErrErased (nothing is sent).
type vaultOpener struct{ v *personaldata.Vault }

func (o vaultOpener) Open(ctx context.Context, subject, sealed string) (string, error) {
	s, err := o.v.Open(ctx, subject, sealed)
	if errors.Is(err, personaldata.ErrErased) {
		return "", fmt.Errorf("%w: %w", mail.ErrErased, err)
	}
	return s, err
}

// vaultPD adapts the vault to the identity projection's port.
type vaultPD struct{ v *personaldata.Vault }

func (p vaultPD) Open(ctx context.Context, subject, sealed string) (string, error) {
	return p.v.Open(ctx, subject, sealed)
}

func (vaultPD) Erased(err error) bool { return errors.Is(err, personaldata.ErrErased) }

// mountMail adds the reaction that mails each VerificationCodeRequested when
// SMTP_ADDR is set (addMailReaction).
func (a *App) mountMail(_ context.Context, key []byte, vault *personaldata.Vault) error {
	a.identity.vault = vault
	if a.cfg.SMTPAddr == "" {
		a.logger.Warn("SMTP_ADDR is not set: verification codes are not mailed")
		return nil
	}
	return a.addMailReaction(MailWorkerName, mail.VerificationFilter, mail.VerificationCodes(key, vaultOpener{vault}, a.clock.Now))
}

// redisClient is the shared Redis client of the identity limiters (nil when
// REDIS_URL is empty).
func (a *App) redisClient() (*redis.Client, error) {
	if a.cfg.RedisURL == "" {
		return nil, nil
	}
	opt, err := redis.ParseURL(a.cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opt)
	a.closers = append(a.closers, func() { _ = client.Close() })
	return client, nil
}
