package identityauth

import (
	"context"
	"sync"

	"github.com/fiveapis/backend/domain/eventlog"
	identityq "github.com/fiveapis/backend/queries/identity"
)

// ReadModelVersions tells the version of a projection's read model as this
// process knows it (the projection engine's Known).
type ReadModelVersions interface {
	Known(ctx context.Context, projection string) (eventlog.ReadModelVersion, error)
}

// maxCachedUsers bounds CachedUsers; past it the cache starts over.
const maxCachedUsers = 100_000

// CachedUsers answers UserByID from memory while the identity read model has
// not changed. Every request with a bearer token needs its user (active?
// admin?), which would otherwise be one query per request. An entry is tagged
// with the identity read model's version (generation and checkpoint) read
// before the row was, and is used only while the version is still the same:
// the read model changes only together with it, so an answer is never older than the read model as
// this process knows it — exactly the freshness of the query itself, give or
// take the notification of another process's checkpoint.
type CachedUsers struct {
	users    Users
	versions ReadModelVersions

	mu      sync.Mutex
	entries map[int64]cachedUser
}

type cachedUser struct {
	tag  eventlog.ReadModelVersion
	user identityq.User
}

// NewCachedUsers returns the cache over users.
func NewCachedUsers(users Users, versions ReadModelVersions) *CachedUsers {
	return &CachedUsers{users: users, versions: versions, entries: map[int64]cachedUser{}}
}

// UserByID implements Users.
func (c *CachedUsers) UserByID(ctx context.Context, q identityq.UserByID) (identityq.User, error) {
	tag, err := c.versions.Known(ctx, identityq.ProjectionName)
	if err != nil {
		return c.users.UserByID(ctx, q)
	}
	c.mu.Lock()
	e, ok := c.entries[q.ID]
	c.mu.Unlock()
	if ok && e.tag == tag {
		return e.user, nil
	}
	u, err := c.users.UserByID(ctx, q)
	if err != nil {
		return u, err
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedUsers {
		clear(c.entries)
	}
	c.entries[q.ID] = cachedUser{tag: tag, user: u}
	c.mu.Unlock()
	return u, nil
}
