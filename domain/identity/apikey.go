package identity

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// EventAPIKeyIssued is the wire name of APIKeyIssued.
const EventAPIKeyIssued = "APIKeyIssued_v1"

// Login methods of the other credentials.
const (
	LoginAppDigest = "app_digest" // 003's SHA1-digest app login
	LoginSession   = "session"
)

// APIKeyIssued gives the user 003's API key ("Authorization: ApiKey
// username:key"). Only the key's SHA-256 is recorded; the key is derived
// from (user id, version) with the deployment's secret, so that creating an
// existing user again hands out the same key, as tastypie does. KeyID is the
// user id (one key per user).
type APIKeyIssued struct {
	UserID   int64     `json:"user_id"`
	KeyID    int64     `json:"key_id"`
	Version  int       `json:"version"`
	KeyHash  string    `json:"key_hash"`
	IssuedAt time.Time `json:"issued_at"`
}

// EventType implements eventlog.Event.
func (APIKeyIssued) EventType() string { return EventAPIKeyIssued }

// APIKeyVersion is the version of the user's API key (0: none issued).
func (u *User) APIKeyVersion() int { return u.apiKeyVersion }

// APIKeyHash is the SHA-256 of the current API key ("" when none).
func (u *User) APIKeyHash() string { return u.apiKeyHash }

// IssueAPIKey decides the user's first API key (a user holds one; issuing
// again is a no-op).
func (u *User) IssueAPIKey(keyHash string, now time.Time) ([]eventlog.Event, error) {
	if !u.active {
		return nil, ErrUserInactive
	}
	if u.apiKeyVersion > 0 {
		return nil, nil
	}
	return []eventlog.Event{APIKeyIssued{UserID: u.id, KeyID: u.id, Version: 1, KeyHash: keyHash, IssuedAt: now.UTC()}}, nil
}
