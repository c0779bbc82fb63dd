// Package identity answers questions about users and their credentials from
// the identity read model (the "identity" projection: views identity.users
// and identity.api_tokens). It never reads the event log.
package identity

import (
	"context"
	"errors"
	"time"
)

// ProjectionName is the projection whose read model these queries read; a
// command answer waits for it (httpapi.Consistency).
const ProjectionName = "identity"

// ErrNotFound is returned when no user or token matches.
var ErrNotFound = errors.New("identity: not found")

// User is a user as the read model knows it.
type User struct {
	ID          int64
	Username    string
	Email       string
	HasPassword bool
	// EmailVerified: the current address was proved by a code.
	EmailVerified bool
	IsAdmin       bool
	IsActive      bool
	DateJoined    time.Time
	// LastLogin is zero when the user never logged in.
	LastLogin time.Time
	// Roamio profile: Birthday "YYYY-MM-DD" or ""; VisitedCountries the
	// web client's comma-separated list; AvatarKey the stored file's key or
	// "".
	Bio              string
	Tags             string
	Birthday         string
	VisitedCountries string
	AvatarKey        string
	// 004: Phone (opened from the vault), Gender (0 unset, 1, 2), Intro.
	Phone  string
	Gender int
	Intro  string
	// APIKeyHash is the SHA-256 of 003's API key ("" when none).
	APIKeyHash string
}

// APIToken is an "Authorization: Token" credential and its user.
type APIToken struct {
	TokenID  string
	KeyHash  string
	UserID   int64
	IssuedAt time.Time
	// LastUsed is the last recorded use, zero when none was recorded.
	LastUsed time.Time
	Revoked  bool
	User     User
}

// LastUse is the later of issue and last recorded use.
func (t APIToken) LastUse() time.Time {
	if t.LastUsed.After(t.IssuedAt) {
		return t.LastUsed
	}
	return t.IssuedAt
}

// ReadModel is the port to the identity read model; projections/identity
// implements it over PostgreSQL.
type ReadModel interface {
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByUsername and UserByEmail match case-insensitively.
	UserByUsername(ctx context.Context, username string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	APITokenByHash(ctx context.Context, keyHash string) (APIToken, error)
	SocialAccounts(ctx context.Context, userID int64) ([]SocialAccount, error)
	// ContactInfo returns the user's address-book entry (zero when none).
	ContactInfo(ctx context.Context, userID int64) (ContactInfo, error)
	// ListUsers returns a page of active users by id, and their total.
	ListUsers(ctx context.Context, offset, limit int) ([]User, int, error)
	UserByPhone(ctx context.Context, phone string) (User, error)
}

// ContactInfo is a user's address-book entry (001).
type ContactInfo struct {
	Name       string
	Position   string
	Department string
	QQ         string
	Phone      string
	Mobile     string
	// FirstName, LastName, WeChat and Description: the mini-program's
	// fields (empty in entries recorded before).
	FirstName, LastName, WeChat, Description string
	// UpdatedAt is zero when the user never set one.
	UpdatedAt time.Time
}

// SocialAccount is a provider account bound to a user.
type SocialAccount struct {
	Provider  string
	Nickname  string
	AvatarURL string
	BoundAt   time.Time
}

// Queries are the identity query handlers.
type Queries struct {
	rm ReadModel
}

// New returns the identity queries over a read model.
func New(rm ReadModel) *Queries { return &Queries{rm: rm} }
