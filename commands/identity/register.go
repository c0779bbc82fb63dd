package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
)

// Register creates an account with a password.
type Register struct {
	Meta     eventlog.Metadata
	Username string
	Email    string
	Password string
	// RequireEmail makes an empty e-mail invalid (Roamio); Ralendar's
	// registration leaves it optional.
	RequireEmail bool
	// Phone is an optional mobile number (004), sealed in the personal-data
	// vault; it must be unique like the username.
	Phone string
	// PasswordForm is how the API's client sends Password (004:
	// MD5HexForm, stored in the md5 scheme).
	PasswordForm PasswordForm
	// VerificationToken, when given, is the token VerifyCode issued for a
	// register code to Email (the Roamio web client sends it): it must be
	// valid, is used once, and the new account's address is verified.
	VerificationToken string
}

// Registered is the new account and where its events landed.
type Registered struct {
	User     UserInfo
	Position eventlog.Position
}

// Register validates the input (every invalid field is reported, joined),
// claims the username and e-mail, allocates the user id, seals the address
// in the personal-data vault and appends UserRegistered (v2: digest and
// sealed reference, never the address). A username or e-mail in use is
// ErrUsernameTaken or ErrEmailTaken; of concurrent registrations of one
// name exactly one wins.
func (h *Handlers) Register(ctx context.Context, cmd Register) (Registered, error) {
	meta := cmd.Meta
	username, email, err := validate(cmd)
	phone, perr := identity.NewPhone(cmd.Phone)
	if err := errors.Join(err, perr); err != nil {
		return Registered{}, err
	}
	hash := h.hasher(newSecret(cmd.Password, cmd.PasswordForm), schemeFor(cmd.PasswordForm, ""))
	tokenID := ""
	if cmd.VerificationToken != "" {
		if tokenID, err = h.registrationToken(ctx, email, cmd.VerificationToken); err != nil {
			return Registered{}, err
		}
	}
	if !phone.IsZero() {
		if h.personal == nil {
			return Registered{}, errors.New("identity: no personal-data vault configured")
		}
		if err := h.available(ctx, identity.PhoneClaimStream(phone), identity.ErrPhoneTaken); err != nil {
			return Registered{}, err
		}
	}
	reg, err := h.register(ctx, username, email, hash, false, meta)
	if err != nil {
		return Registered{}, err
	}
	if !phone.IsZero() {
		pos, err := h.setPhone(ctx, reg.User.ID, phone, meta)
		if err != nil {
			return reg, err
		}
		reg.Position = maxPos(reg.Position, pos)
	}
	if tokenID != "" {
		return h.useRegistrationToken(ctx, reg, email, tokenID, meta)
	}
	return reg, nil
}

// ValidateRegistration checks the input of Register without executing it:
// every invalid field's fault, joined (nil when valid). APIs that must
// report all problems of a request at once use it.
func ValidateRegistration(cmd Register) error {
	_, _, err := validate(cmd)
	return err
}

func validate(cmd Register) (identity.Username, identity.Email, error) {
	var errs []error
	username, err := identity.NewUsername(cmd.Username)
	if err != nil {
		errs = append(errs, err)
	}
	email, err := identity.NewEmail(cmd.Email)
	if err != nil {
		errs = append(errs, err)
	} else if email.IsZero() && cmd.RequireEmail {
		errs = append(errs, fault.Invalidf("email", "This field may not be blank."))
	}
	if err := newSecret(cmd.Password, cmd.PasswordForm).validate(username); err != nil {
		errs = append(errs, err)
	}
	return username, email, errors.Join(errs...)
}

// hasher hashes password in scheme sc once, when first asked.
func (h *Handlers) hasher(password secret, sc scheme) func(context.Context) (string, error) {
	var hash string
	return func(ctx context.Context) (string, error) {
		if hash != "" {
			return hash, nil
		}
		var err error
		hash, err = h.passwords.hash(ctx, sc, password.inputFor(sc))
		return hash, err
	}
}

// register runs the claims and the registration; admin adds AdminGranted by
// the system (bootstrap). The password is hashed only once the username and
// e-mail are claimed, so that the losers of a race for one name cost no hash.
func (h *Handlers) register(ctx context.Context, username identity.Username, email identity.Email, hash func(context.Context) (string, error),
	admin bool, meta eventlog.Metadata) (Registered, error) {
	// Cheap checks first, so that a taken name does not cost an id.
	var errs []error
	if err := h.available(ctx, identity.UsernameClaimStream(username), identity.ErrUsernameTaken); err != nil {
		errs = append(errs, err)
	}
	if !email.IsZero() {
		if err := h.available(ctx, identity.EmailClaimStream(email), identity.ErrEmailTaken); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Registered{}, err
	}

	id, err := h.allocateUserID(ctx, meta)
	if err != nil {
		return Registered{}, err
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(id) // the new user acts on their own account
	}
	if _, err := h.claimUsername(ctx, username, id, meta); err != nil {
		return Registered{}, err
	}
	if !email.IsZero() {
		if _, err := h.claimEmail(ctx, email, id, meta); err != nil {
			return Registered{}, errors.Join(err, h.releaseUsername(context.WithoutCancel(ctx), username, id, meta))
		}
	}
	// The address is sealed for the new user, so that erasing the user
	// erases it from the log too.
	emailRef := ""
	if !email.IsZero() {
		if h.personal == nil {
			err = errors.New("identity: no personal-data vault configured")
		} else {
			emailRef, err = h.personal.Seal(ctx, identity.UserDataSubject(id), email.String())
		}
		if err != nil {
			bg := context.WithoutCancel(ctx)
			return Registered{}, errors.Join(fmt.Errorf("register user %d: seal address: %w", id, err),
				h.releaseUsername(bg, username, id, meta), h.releaseEmail(bg, email, id, meta))
		}
	}
	var user *identity.User
	res, err := h.runner.Execute(ctx, identity.UserStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		if len(history) > 0 {
			return nil, identity.ErrUserExists
		}
		phc, err := hash(ctx)
		if err != nil {
			return nil, err
		}
		now := h.clock.Now()
		events, err := identity.Register(id, username, email, emailRef, phc, now)
		if err != nil {
			return nil, err
		}
		if admin {
			u, err := identity.UserFromHistory(events)
			if err != nil {
				return nil, err
			}
			grant, err := u.GrantAdmin(access.System, now)
			if err != nil {
				return nil, err
			}
			events = append(events, grant...)
		}
		user, err = identity.UserFromHistory(events)
		return events, err
	})
	if err != nil {
		bg := context.WithoutCancel(ctx)
		rerr := h.releaseUsername(bg, username, id, meta)
		if !email.IsZero() {
			rerr = errors.Join(rerr, h.releaseEmail(bg, email, id, meta))
		}
		return Registered{}, errors.Join(fmt.Errorf("register user %d: %w", id, err), rerr)
	}
	info := infoOf(user)
	info.Email = email.String() // sealed in the event; the caller gave it
	return Registered{User: info, Position: res.Append.Position}, nil
}
