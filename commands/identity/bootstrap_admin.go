package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

// BootstrapAdmin makes sure the admin account of the settings
// (ADMIN_USERNAME / ADMIN_PASSWORD, optional ADMIN_EMAIL) exists.
type BootstrapAdmin struct {
	Meta     eventlog.Metadata
	Username string
	Password string
	Email    string
}

// BootstrapResult tells what BootstrapAdmin did.
type BootstrapResult struct {
	UserID   int64
	Created  bool // the account was created (with the admin role)
	Granted  bool // an existing account was given the admin role
	Position eventlog.Position
}

// ErrBootstrapConflict: the bootstrap username belongs to an account that is
// not an admin and whose password is not the bootstrap password. Granting it
// the role could hand the system to whoever registered that name first, so
// the wiring must refuse to start (choose another ADMIN_USERNAME).
var ErrBootstrapConflict = fault.New(fault.Conflict, "BOOTSTRAP_ADMIN_CONFLICT",
	"the bootstrap admin username belongs to a non-admin account with another password")

// BootstrapAdmin is idempotent: an absent account is created with the admin
// role (UserRegistered and AdminGranted in one append); an existing admin is
// left alone (its password is not reset); an existing non-admin whose
// password is the bootstrap password is granted the role. The password only
// has to be non-empty (the operator's choice, not the users' policy).
func (h *Handlers) BootstrapAdmin(ctx context.Context, cmd BootstrapAdmin) (BootstrapResult, error) {
	meta := cmd.Meta
	username, err := identity.NewUsername(cmd.Username)
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap admin: %w", err)
	}
	email, err := identity.NewEmail(cmd.Email)
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap admin: %w", err)
	}
	if cmd.Password == "" {
		return BootstrapResult{}, errors.New("bootstrap admin: empty password")
	}
	// Several processes may start at once: a lost race on the claim means
	// another one is creating the account; look again.
	for attempt := 0; ; attempt++ {
		res, err := h.bootstrapOnce(ctx, username, email, cmd.Password, meta)
		if !(errors.Is(err, identity.ErrUsernameTaken) || errors.Is(err, errBootstrapPending)) || attempt >= 20 {
			if err != nil {
				return res, fmt.Errorf("bootstrap admin %q: %w", username, err)
			}
			return res, nil
		}
		select {
		case <-ctx.Done():
			return BootstrapResult{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var errBootstrapPending = errors.New("bootstrap admin: the username is claimed but not registered yet")

func (h *Handlers) bootstrapOnce(ctx context.Context, username identity.Username, email identity.Email, password string, meta eventlog.Metadata) (BootstrapResult, error) {
	c, err := h.claimOf(ctx, identity.UsernameClaimStream(username))
	if err != nil {
		return BootstrapResult{}, err
	}
	if abandoned, err := h.holderAbandoned(ctx, c, 0); err != nil {
		return BootstrapResult{}, err
	} else if !c.Held || abandoned {
		hash := h.hasher(plainSecret(password), schemePlain)
		reg, err := h.register(ctx, username, email, hash, true, meta)
		if errors.Is(err, identity.ErrEmailTaken) && !email.IsZero() {
			// The e-mail is someone else's: create the admin without it.
			reg, err = h.register(ctx, username, identity.Email{}, hash, true, meta)
		}
		if err != nil {
			return BootstrapResult{}, err
		}
		return BootstrapResult{UserID: reg.User.ID, Created: true, Position: reg.Position}, nil
	}
	u, err := h.loadUser(ctx, c.Holder)
	if errors.Is(err, identity.ErrUserNotFound) {
		return BootstrapResult{}, errBootstrapPending
	}
	if err != nil {
		return BootstrapResult{}, err
	}
	if u.IsAdmin() {
		return BootstrapResult{UserID: u.ID()}, nil
	}
	matches, verr := h.checkPassword(ctx, plainSecret(password))
	if err := u.CheckPassword(matches); err != nil {
		if verr() != nil {
			return BootstrapResult{}, verr()
		}
		return BootstrapResult{}, ErrBootstrapConflict
	}
	pos, err := h.onUser(ctx, u.ID(), meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.GrantAdmin(access.System, h.clock.Now())
	})
	if err != nil {
		return BootstrapResult{}, err
	}
	return BootstrapResult{UserID: u.ID(), Granted: !pos.IsStart(), Position: pos}, nil
}
