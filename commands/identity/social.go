package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
)

// findSocialUser finds the user a provider account is bound to.
func (h *Handlers) findSocialUser(ctx context.Context, provider, externalID string) (int64, bool, error) {
	if externalID == "" {
		return 0, false, nil
	}
	c, err := h.claimOf(ctx, identity.SocialClaimStream(provider, identity.ExternalDigest(provider, externalID)))
	if err != nil || !c.Held {
		return 0, false, err
	}
	ok, err := h.userExists(ctx, c.Holder)
	return c.Holder, ok, err
}

// BindSocial binds a provider account (proved by a code exchange) to the
// actor's account.
type BindSocial struct {
	Meta       eventlog.Metadata
	Actor      access.Actor
	Provider   string
	ExternalID string
	Nickname   string
	AvatarURL  string
}

// BindSocial claims the provider account (ErrSocialTaken when another user
// holds it) and appends SocialAccountBound (ErrAlreadyBound when the user
// has another account of the provider).
func (h *Handlers) BindSocial(ctx context.Context, cmd BindSocial) (Done, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	meta := cmd.Meta
	if cmd.ExternalID == "" || !identity.ValidProvider(cmd.Provider) {
		return Done{}, identity.ErrNotBound
	}
	digest := identity.ExternalDigest(cmd.Provider, cmd.ExternalID)
	stream := identity.SocialClaimStream(cmd.Provider, digest)
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(userID)
	}
	if _, err := h.runner.ExecuteLast(ctx, stream, meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return identity.ClaimSocial(eventOf(last), cmd.Provider, digest, userID, h.clock.Now())
	}); err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, userID, meta, func(u *identity.User) ([]eventlog.Event, error) {
		return u.BindSocialAccount(identity.SocialAccount{Provider: cmd.Provider, ExternalDigest: digest, Nickname: cmd.Nickname, AvatarURL: cmd.AvatarURL}, h.clock.Now())
	})
	if err != nil {
		_, rerr := h.runner.ExecuteLast(context.WithoutCancel(ctx), stream, meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
			return identity.ReleaseSocial(eventOf(last), cmd.Provider, digest, userID, h.clock.Now()), nil
		})
		return Done{}, errors.Join(err, rerr)
	}
	return Done{Position: pos}, nil
}

// releaseSocial frees the claim of an unbound provider account.
func (h *Handlers) releaseSocial(ctx context.Context, provider, digest string, userID int64, meta eventlog.Metadata) error {
	_, err := h.runner.ExecuteLast(ctx, identity.SocialClaimStream(provider, digest), meta, func(last *eventlog.Envelope) ([]eventlog.Event, error) {
		return identity.ReleaseSocial(eventOf(last), provider, digest, userID, h.clock.Now()), nil
	})
	return err
}

// SocialAPIToken asks for the "Authorization: Token" of the user a provider
// account is bound to.
type SocialAPIToken struct {
	Meta       eventlog.Metadata
	Provider   string
	ExternalID string
}

// SocialAPIToken issues (or hands out again) the "Authorization: Token" of
// the user a provider account is bound to, recording the login (method:
// the provider). An unbound account is ErrNotBound.
func (h *Handlers) SocialAPIToken(ctx context.Context, cmd SocialAPIToken) (APITokenGranted, error) {
	provider, meta := cmd.Provider, cmd.Meta
	id, found, err := h.findSocialUser(ctx, provider, cmd.ExternalID)
	if err != nil {
		return APITokenGranted{}, err
	}
	if !found {
		return APITokenGranted{}, identity.ErrNotBound
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(id)
	}
	var out APITokenGranted
	var user *identity.User
	res, err := h.runner.Execute(ctx, identity.UserStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := identity.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, err
		}
		events, err := u.LogIn(provider, h.clock.Now())
		if err != nil {
			return nil, err
		}
		more, err := h.grantAPIToken(ctx, u, &out)
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
		user, err = identity.UserFromHistory(append(eventsOf(history), events...))
		return events, err
	})
	if err != nil {
		return APITokenGranted{}, err
	}
	out.User, out.Position = infoOf(user), res.Append.Position
	return out, nil
}

// grantAPIToken decides handing out the user's valid token or a new one.
func (h *Handlers) grantAPIToken(ctx context.Context, u *identity.User, out *APITokenGranted) ([]eventlog.Event, error) {
	now := h.clock.Now()
	out.Issued, out.TokenID, out.Key = false, "", ""
	reason := identity.RevokeSuperseded
	if cur, ok := u.CurrentAPIToken(); ok && identity.HashTokenKey(h.keys.key(cur.ID)) == cur.KeyHash {
		lastUsed, err := h.apiTokenLastUse(ctx, cur)
		if err != nil {
			return nil, err
		}
		if !identity.TokenExpired(lastUsed, now, h.cfg.APITokenTTL) {
			out.TokenID, out.Key = cur.ID, h.keys.key(cur.ID)
			return nil, nil
		}
		reason = identity.RevokeExpired
	}
	id := strings.ReplaceAll(uuid.NewString(), "-", "")
	key := h.keys.key(id)
	events, err := u.IssueAPIToken(id, identity.HashTokenKey(key), reason, now)
	if err != nil {
		return nil, err
	}
	out.Issued, out.TokenID, out.Key = true, id, key
	return events, nil
}

// RevokeCurrentAPIToken ends the actor's API token (001's logout).
type RevokeCurrentAPIToken struct {
	Meta  eventlog.Metadata
	Actor access.Actor
}

// RevokeCurrentAPIToken appends APITokenRevoked (no-op without a token).
func (h *Handlers) RevokeCurrentAPIToken(ctx context.Context, cmd RevokeCurrentAPIToken) (Done, error) {
	userID, err := cmd.Actor.User()
	if err != nil {
		return Done{}, err
	}
	pos, err := h.onUser(ctx, userID, cmd.Meta, func(u *identity.User) ([]eventlog.Event, error) {
		cur, ok := u.CurrentAPIToken()
		if !ok {
			return nil, nil
		}
		return u.RevokeAPIToken(cur.ID, identity.RevokeLogout, h.clock.Now())
	})
	return Done{Position: pos}, err
}

// SocialSignIn logs in with a provider account, creating an account
// without a password (username from the provider's nickname, made unique)
// and binding it when the provider account is new.
type SocialSignIn struct {
	Meta       eventlog.Metadata
	Provider   string
	ExternalID string
	Nickname   string
	AvatarURL  string
}

// SocialSignedIn is the user and whether the account was created.
type SocialSignedIn struct {
	User     UserInfo
	Created  bool
	Position eventlog.Position
}

// SocialSignIn appends UserLoggedIn (method: the provider) to the bound
// account, registering and binding one first when needed.
func (h *Handlers) SocialSignIn(ctx context.Context, cmd SocialSignIn) (SocialSignedIn, error) {
	meta := cmd.Meta
	if !identity.ValidProvider(cmd.Provider) || cmd.ExternalID == "" {
		return SocialSignedIn{}, identity.ErrNotBound
	}
	var out SocialSignedIn
	id, found, err := h.findSocialUser(ctx, cmd.Provider, cmd.ExternalID)
	if err != nil {
		return SocialSignedIn{}, err
	}
	if !found {
		base := socialUsername(cmd.Nickname, cmd.Provider)
		var reg Registered
		for attempt := 0; ; attempt++ {
			name := base
			if attempt > 0 {
				name = fmt.Sprintf("%s_%d", base, attempt)
			}
			username, err := identity.NewUsername(name)
			if err != nil {
				return SocialSignedIn{}, err
			}
			reg, err = h.register(ctx, username, identity.Email{}, func(context.Context) (string, error) { return "", nil }, false, meta)
			if err == nil {
				break
			}
			if !errors.Is(err, identity.ErrUsernameTaken) || attempt >= 5 {
				return SocialSignedIn{}, err
			}
		}
		id, out.Created, out.Position = reg.User.ID, true, reg.Position
		// The new user acts on their own account.
		bound, err := h.BindSocial(ctx, BindSocial{Meta: meta, Actor: access.Actor{UserID: id}, Provider: cmd.Provider,
			ExternalID: cmd.ExternalID, Nickname: cmd.Nickname, AvatarURL: cmd.AvatarURL})
		if err != nil {
			return SocialSignedIn{}, err
		}
		out.Position = maxPos(out.Position, bound.Position)
	}
	if meta.UserID == "" {
		meta.UserID = identity.FormatUserID(id)
	}
	var user *identity.User
	res, err := h.runner.Execute(ctx, identity.UserStream(id), meta, func(history []eventlog.Envelope) ([]eventlog.Event, error) {
		u, err := identity.UserFromHistory(eventsOf(history))
		if err != nil {
			return nil, err
		}
		events, err := u.LogIn(cmd.Provider, h.clock.Now())
		if err != nil {
			return nil, err
		}
		user, err = identity.UserFromHistory(append(eventsOf(history), events...))
		return events, err
	})
	if err != nil {
		return SocialSignedIn{}, err
	}
	out.User, out.Position = infoOf(user), maxPos(out.Position, res.Append.Position)
	return out, nil
}

// socialUsername makes a valid username from a provider nickname.
func socialUsername(nickname, provider string) string {
	var b strings.Builder
	for _, r := range nickname {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("@.+-_", r) {
			b.WriteRune(r)
		}
		if b.Len() >= 100 {
			break
		}
	}
	if b.Len() == 0 {
		return provider + "_user"
	}
	return b.String()
}
