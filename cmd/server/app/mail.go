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
	mailWorker *mail.Worker
	vault      *personaldata.Vault
}

// Vault is the personal-data vault (erasure).
func (a *App) Vault() *personaldata.Vault { return a.identity.vault }

// MailWorkerName is the checkpoint key of the verification-code mail worker.
const MailWorkerName = "mail-verification-codes"

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

// mountMail starts the mail worker of verification codes when SMTP_ADDR is
// set: it follows the log from its own checkpoint and sends each
// VerificationCodeRequested (appends to a.workers).
func (a *App) mountMail(ctx context.Context, key []byte, vault *personaldata.Vault) error {
	a.identity.vault = vault
	if a.cfg.SMTPAddr == "" {
		a.logger.Warn("SMTP_ADDR is not set: verification codes are not mailed")
		return nil
	}
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{
		Addr: a.cfg.SMTPAddr, From: a.cfg.SMTPFrom, Username: a.cfg.SMTPUsername, Password: a.cfg.SMTPPassword,
		StartTLS: a.cfg.SMTPStartTLS,
	})
	if err != nil {
		return fmt.Errorf("SMTP_ADDR: %w", err)
	}
	w, err := mail.NewWorker(ctx, a.pool, a.store, a.codec, sender,
		mail.VerificationCodes(key, vaultOpener{vault}, a.clock.Now),
		mail.WorkerConfig{Name: MailWorkerName, Filter: mail.VerificationFilter, MaxAttempts: a.cfg.MailMaxAttempts,
			Backoff: a.cfg.MailRetryBackoff, Logger: a.logger})
	if err != nil {
		return err
	}
	a.identity.mailWorker = w
	a.workers = append(a.workers, w.Run)
	return nil
}

// MailWorker is the verification-code mail worker (nil without SMTP_ADDR);
// operators and tests list and replay its parked deliveries.
func (a *App) MailWorker() *mail.Worker { return a.identity.mailWorker }

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
