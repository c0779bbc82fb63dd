// Package personaldata is the erasable store of personal data (e-mail
// addresses, phone numbers) that events refer to: crypto-shredding. Each data
// subject ("user:42", "email:<digest>") has its own random AES-256-GCM key in
// the table personaldata.subject_keys; events carry only ciphertexts sealed
// with that key ("pd1:<base64>"). Erasing a subject deletes its key: every
// ciphertext in the log becomes unreadable without rewriting a single event.
// See docs/identity.md.
package personaldata

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/fiveapis/backend/transport/pgmigrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrErased is returned when a subject's key was deleted (or never existed).
var ErrErased = errors.New("personaldata: erased")

// ErrUnreadable is a value that is not one Seal made for the subject
// (malformed, cut short, tampered with): it can never be opened.
var ErrUnreadable = errors.New("personaldata: unreadable sealed value")

const prefix = "pd1:"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the vault's numbered migrations (schema "personaldata").
func Migrations() pgmigrate.Set {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return pgmigrate.Set{Schema: "personaldata", Files: files}
}

// Vault seals and opens personal data per subject.
type Vault struct {
	pool *pgxpool.Pool
}

// Open returns the vault; its migrations must have been applied.
func Open(pool *pgxpool.Pool) *Vault {
	return &Vault{pool: pool}
}

// UserSubject and EmailSubject name data subjects.
func UserSubject(id int64) string       { return fmt.Sprintf("user:%d", id) }
func EmailSubject(digest string) string { return "email:" + digest }

func (v *Vault) key(ctx context.Context, subject string, create bool) ([]byte, error) {
	var key []byte
	if create {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		err := v.pool.QueryRow(ctx, `WITH ins AS (
  INSERT INTO personaldata.subject_keys (subject, key) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING RETURNING key)
SELECT key FROM ins UNION ALL SELECT key FROM personaldata.subject_keys WHERE subject = $1 LIMIT 1`, subject, fresh).Scan(&key)
		if err != nil {
			return nil, fmt.Errorf("personaldata: key of %s: %w", subject, err)
		}
		return key, nil
	}
	err := v.pool.QueryRow(ctx, `SELECT key FROM personaldata.subject_keys WHERE subject = $1`, subject).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("personaldata: key of %s: %w", subject, err)
	}
	return key, nil
}

// Seal encrypts plaintext with the subject's key (created on first use).
func (v *Vault) Seal(ctx context.Context, subject, plaintext string) (string, error) {
	key, err := v.key(ctx, subject, true)
	if err != nil {
		return "", err
	}
	aead, err := gcm(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(plaintext), []byte(subject))
	return prefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal returned for subject; ErrErased after Erase.
func (v *Vault) Open(ctx context.Context, subject, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", fmt.Errorf("%w: not a sealed value", ErrUnreadable)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	key, err := v.key(ctx, subject, false)
	if err != nil {
		return "", err
	}
	aead, err := gcm(key)
	if err != nil {
		return "", err
	}
	if len(b) < aead.NonceSize() {
		return "", fmt.Errorf("%w: short value", ErrUnreadable)
	}
	pt, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(subject))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	return string(pt), nil
}

// Erase deletes the subject's key: everything sealed for it so far is gone
// (data sealed later, e.g. a new request from the same address, gets a new
// key). The erasure itself is recorded in personaldata.erasures.
func (v *Vault) Erase(ctx context.Context, subject string) error {
	tx, err := v.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `DELETE FROM personaldata.subject_keys WHERE subject = $1`, subject); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO personaldata.erasures (subject) VALUES ($1) ON CONFLICT DO NOTHING`, subject); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// WasErased reports whether the subject was ever erased (recorded in
// personaldata.erasures). Data that was never sealed, such as the addresses
// of old UserRegistered_v1 events, is hidden by asking this.
func (v *Vault) WasErased(ctx context.Context, subject string) (bool, error) {
	var erased bool
	err := v.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM personaldata.erasures WHERE subject = $1)`, subject).Scan(&erased)
	if err != nil {
		return false, fmt.Errorf("personaldata: erasure of %s: %w", subject, err)
	}
	return erased, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
