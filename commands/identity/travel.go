package identity

import (
	"context"
	"errors"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// setPhone claims a number for the user, seals it, appends PhoneChanged and
// releases the previous number (the zero Phone removes it).
func (h *Handlers) setPhone(ctx context.Context, userID int64, phone identity.Phone, meta eventlog.Metadata) (eventlog.Position, error) {
	u, err := h.loadUser(ctx, userID)
	if err != nil {
		return eventlog.Position{}, err
	}
	old := u.PhoneDigest()
	if (phone.IsZero() && old == "") || (!phone.IsZero() && phone.Digest() == old) {
		return eventlog.Position{}, nil
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(userID)
	}
	sealed := ""
	if !phone.IsZero() {
		if h.personal == nil {
			return eventlog.Position{}, errors.New("identity: no personal-data vault configured")
		}
		if _, err := h.runner.ExecuteLast(ctx, identity.PhoneClaimStream(phone), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			ev := eventOf(last)
			abandoned, err := h.holderAbandoned(ctx, identity.ClaimFromLast(ev), userID)
			if err != nil {
				return nil, err
			}
			return identity.ClaimPhone(ev, phone, userID, h.clock.Now(), abandoned)
		}); err != nil {
			return eventlog.Position{}, err
		}
		if sealed, err = h.personal.Seal(ctx, identity.UserDataSubject(userID), phone.String()); err != nil {
			return eventlog.Position{}, err
		}
	}
	pos, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.ChangePhone(phone, sealed, h.clock.Now()), nil
	})
	if err != nil {
		if !phone.IsZero() {
			_ = h.releasePhone(context.WithoutCancel(ctx), phone.Digest(), userID, meta)
		}
		return eventlog.Position{}, err
	}
	if old != "" {
		if err := h.releasePhone(ctx, old, userID, meta); err != nil {
			return pos, err
		}
	}
	return pos, nil
}

func (h *Handlers) releasePhone(ctx context.Context, digest string, userID int64, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, eventlog.StreamID(identity.PhoneClaimCategory, digest), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return identity.ReleasePhoneDigest(eventOf(last), digest, userID, h.clock.Now()), nil
	})
	return err
}

// UpdateTravelInfo changes the actor's 004 user info; nil fields are kept.
type UpdateTravelInfo struct {
	Meta   eventlog.Metadata
	Actor  access.Actor
	Gender *int
	Intro  *string
	Phone  *string
	Email  *string
	// CurrentGender and CurrentIntro are the values to keep (read model).
	CurrentGender int
	CurrentIntro  string
}

// UpdateTravelInfo validates every given field, then applies the phone, the
// address (UpdateAccount) and gender/intro (TravelInfoUpdated).
func (h *Handlers) UpdateTravelInfo(ctx context.Context, cmd UpdateTravelInfo) (Done, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	meta := cmd.Meta
	var errs []error
	var phone identity.Phone
	if cmd.Phone != nil {
		p, err := identity.NewPhone(*cmd.Phone)
		errs = append(errs, err)
		phone = p
	}
	if cmd.Email != nil {
		_, err := identity.NewEmail(*cmd.Email)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Done{}, err
	}
	var pos eventlog.Position
	if cmd.Phone != nil {
		p, err := h.setPhone(ctx, userID, phone, meta)
		if err != nil {
			return Done{Position: pos}, err
		}
		pos = maxPos(pos, p)
	}
	if cmd.Email != nil {
		d, err := h.UpdateAccount(ctx, UpdateAccount{Meta: meta, Actor: cmd.Actor, Email: cmd.Email})
		if err != nil {
			return Done{Position: pos}, err
		}
		pos = maxPos(pos, d.Position)
	}
	if cmd.Gender != nil || cmd.Intro != nil {
		gender, intro := cmd.CurrentGender, cmd.CurrentIntro
		if cmd.Gender != nil {
			gender = *cmd.Gender
		}
		if cmd.Intro != nil {
			intro = *cmd.Intro
		}
		p, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
			return u.UpdateTravelInfo(gender, intro, h.clock.Now())
		})
		if err != nil {
			return Done{Position: pos}, err
		}
		pos = maxPos(pos, p)
	}
	return Done{Position: pos}, nil
}

// LoginAs is a login whose identifier kind is known (004 types the "user"
// field by its shape): "uid", "phone", "email" or "username".
type LoginAs struct {
	Meta       eventlog.Metadata
	Kind       string
	Identifier string
	Password   string
	// PasswordForm is how the API's client sends Password (004:
	// MD5HexForm).
	PasswordForm PasswordForm
	Method       string
}

// LoginAs authenticates like Login (within its attempt limits), resolving
// the identifier by its kind.
func (h *Handlers) LoginAs(ctx context.Context, cmd LoginAs) (LoggedIn, error) {
	password := newSecret(cmd.Password, cmd.PasswordForm)
	switch cmd.Kind {
	case "uid":
		id, ok := identity.ParseUserID(cmd.Identifier)
		if !ok {
			return LoggedIn{}, identity.ErrBadCredentials
		}
		user, pos, err := h.passwordLoginUser(ctx, loginTarget{id: id, found: true, identifier: cmd.Identifier}, password, cmd.Meta, nil)
		if err != nil {
			return LoggedIn{}, err
		}
		return LoggedIn{User: infoOf(user), Position: pos}, nil
	case "phone":
		p, err := identity.NewPhone(cmd.Identifier)
		found := false
		var id int64
		if err == nil && !p.IsZero() {
			c, cerr := h.claimOf(ctx, identity.PhoneClaimStream(p))
			if cerr != nil {
				return LoggedIn{}, cerr
			}
			id, found = c.Holder, c.Held
		}
		user, pos, err := h.passwordLoginUser(ctx, loginTarget{id: id, found: found, identifier: cmd.Identifier}, password, cmd.Meta, nil)
		if err != nil {
			return LoggedIn{}, err
		}
		return LoggedIn{User: infoOf(user), Position: pos}, nil
	default:
		return h.login(ctx, cmd.Meta, cmd.Identifier, password)
	}
}
