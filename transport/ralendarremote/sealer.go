package ralendarremote

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sealer seals tokens with AES-256-GCM under a key derived from the
// server's secret, so the log holds no token in clear.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the key from the server's secret.
func NewSealer(secret []byte) (*Sealer, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("roamio-ralendar-link-tokens"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("token sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain ("v1." + base64 of nonce and ciphertext).
func (s *Sealer) Seal(plain string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	return "v1." + base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// Open decrypts what Seal made.
func (s *Sealer) Open(sealed string) (string, error) {
	if len(sealed) < 3 || sealed[:3] != "v1." {
		return "", errors.New("open: unknown seal")
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed[3:])
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("open: malformed seal")
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("open: seal does not verify")
	}
	return string(plain), nil
}
