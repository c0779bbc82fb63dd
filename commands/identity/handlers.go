package identity

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// Handlers executes the identity commands. Its ports: the command runner
// (over the event store), the clock, the personal-data vault
// (SetPersonalData) and the limiters of the identity policies (SetLimits).
type Handlers struct {
	runner    *handling.Runner
	store     handling.EventStore
	clock     handling.Clock
	cfg       Config
	passwords *Passwords
	tokens    *Tokens
	keys      apiTokenKeys
	verifyKey []byte
	magpieKey []byte
	personal  PersonalData
	limits    Limits

	// idMu serialises user id allocation within the process, so that a
	// burst of registrations does not turn into a burst of retries on the
	// one sequence stream (other processes are still ordered by the stream's
	// expected version).
	idMu sync.Mutex
}

// New returns the identity command handlers. cfg's zero fields take
// DefaultConfig; an invalid cfg is an error.
func New(runner *handling.Runner, clock handling.Clock, cfg Config) (*Handlers, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Handlers{
		runner:    runner,
		store:     runner.Store(),
		clock:     clock,
		cfg:       cfg,
		passwords: NewPasswords(cfg.Argon2, cfg.MaxConcurrentHashes),
		tokens:    NewTokens(cfg.JWTSecret, cfg.AccessTokenTTL, cfg.RefreshTokenTTL),
		keys:      newAPITokenKeys(cfg.APITokenSecret, cfg.JWTSecret),
		verifyKey: deriveKey(cfg.JWTSecret, "fiveapis identity verification codes"),
		magpieKey: deriveKey(cfg.JWTSecret, "fiveapis identity magpie api keys"),
	}, nil
}

// Tokens returns the JWT issuer/verifier (the Bearer verifier uses
// ParseAccess).
func (h *Handlers) Tokens() *Tokens { return h.tokens }

// Config returns the effective configuration.
func (h *Handlers) Config() Config { return h.cfg }

// Now is the handlers' clock.
func (h *Handlers) Now() time.Time { return h.clock.Now() }

// Done is the result of a command that answers nothing but where its last
// event landed (the zero position when it appended nothing).
type Done struct {
	Position eventlog.Position
}

// UserInfo is a user as a command saw it in the user's stream.
type UserInfo struct {
	ID         int64
	Username   string
	Email      string
	IsAdmin    bool
	IsActive   bool
	DateJoined time.Time
	LastLogin  time.Time
}

func infoOf(u *identity.User) UserInfo {
	return UserInfo{ID: u.ID(), Username: u.Username(), Email: u.Email(), IsAdmin: u.IsAdmin(), IsActive: u.IsActive(),
		DateJoined: u.DateJoined(), LastLogin: u.LastLogin()}
}

func eventsOf(history []eventlog.Envelope) []eventlog.Event {
	out := make([]eventlog.Event, len(history))
	for i, e := range history {
		out[i] = e.Event
	}
	return out
}

func eventOf(last *eventlog.Envelope) eventlog.Event {
	if last == nil {
		return nil
	}
	return last.Event
}

// loadUser reads a user's stream.
func (h *Handlers) loadUser(ctx context.Context, id int64) (*identity.User, error) {
	history, _, err := h.store.Load(ctx, identity.UserStream(id))
	if err != nil {
		return nil, err
	}
	return identity.UserFromHistory(eventsOf(history))
}

// userExists reports whether the user's stream has events.
func (h *Handlers) userExists(ctx context.Context, id int64) (bool, error) {
	last, _, err := h.store.LoadLast(ctx, identity.UserStream(id))
	return last != nil, err
}

// allocateUserID takes the next id of the "user" sequence.
func (h *Handlers) allocateUserID(ctx context.Context, meta eventlog.Metadata) (int64, error) {
	h.idMu.Lock()
	defer h.idMu.Unlock()
	a, err := h.runner.AllocateIDs(ctx, identity.UserSequence, 1, "identity", meta)
	if err != nil {
		return 0, fmt.Errorf("allocate user id: %w", err)
	}
	return a.First, nil
}

// checkPassword returns a verifier of s for User.CheckPassword that hashes
// at most once per stored hash even when the command loop decides again.
func (h *Handlers) checkPassword(ctx context.Context, s secret) (func(string) bool, func() error) {
	seen := map[string]bool{}
	var verr error
	return func(phc string) bool {
			if ok, done := seen[phc]; done {
				return ok
			}
			ok, err := h.passwords.verify(ctx, s, phc)
			if err != nil {
				verr = err
				return false
			}
			seen[phc] = ok
			return ok
		}, func() error {
			return verr
		}
}

func maxPos(a, b eventlog.Position) eventlog.Position {
	if a.Less(b) {
		return b
	}
	return a
}
