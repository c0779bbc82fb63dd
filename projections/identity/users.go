// Package identity projects the identity events into the read model the
// identity queries read: the projector "identity" with the tables users and
// api_tokens (exposed to queries as identity.users and identity.api_tokens),
// and Reader, the queries' ReadModel port over those views.
package identity

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
)

// Name is the projector's name: its checkpoint key and read schema.
const Name = identityq.ProjectionName

//go:embed schema.sql
var schema string

// PersonalData opens addresses sealed in the personal-data vault; an
// erased subject gives an error for which Erased reports true. WasErased
// tells whether a subject was erased, for data that was never sealed (the
// clear addresses of UserRegistered_v1).
type PersonalData interface {
	Open(ctx context.Context, subject, sealed string) (string, error)
	Erased(err error) bool
	WasErased(ctx context.Context, subject string) (bool, error)
}

// Projector builds the identity read model.
type Projector struct {
	pd PersonalData
}

// NewProjector returns the identity projector. Without a vault (tests)
// sealed addresses (UserRegistered_v2, EmailChanged) are projected as empty.
func NewProjector() *Projector { return &Projector{} }

// WithPersonalData sets the vault sealed addresses are opened with.
func (p *Projector) WithPersonalData(pd PersonalData) *Projector {
	p.pd = pd
	return p
}

// Name implements engine.Projector.
func (*Projector) Name() string { return Name }

// Version implements engine.Projector; bump it when schema.sql or Apply
// changes what the rows hold.
func (*Projector) Version() int { return 10 }

// Schema implements engine.Projector.
func (*Projector) Schema() string { return schema }

// Filter implements engine.Projector: the user and API token streams.
func (*Projector) Filter() eventlog.Filter {
	return eventlog.Filter{
		Categories: []string{identity.UserCategory, identity.APITokenCategory},
		EventTypes: []string{
			identity.EventUserRegistered, identity.EventUserRegisteredV1, identity.EventPasswordChanged, identity.EventUserLoggedIn,
			identity.EventAdminGranted, identity.EventAdminRevoked,
			identity.EventAPITokenIssued, identity.EventAPITokenUsed, identity.EventAPITokenRevoked,
			identity.EventEmailVerified, identity.EventUsernameChanged, identity.EventEmailChanged,
			identity.EventSocialAccountBound, identity.EventSocialAccountUnbound, identity.EventContactInfoUpdated,
			identity.EventProfileUpdated, identity.EventAvatarChanged, identity.EventPhoneChanged, identity.EventTravelInfoUpdated,
			identity.EventAPIKeyIssued, identity.EventPersonalDataErased,
		},
	}
}

// openEmail opens an address sealed for the user: "" when there is none,
// no vault is configured or the user was erased.
func (p *Projector) openEmail(ctx context.Context, userID int64, ref string) (string, error) {
	if ref == "" || p.pd == nil {
		return "", nil
	}
	email, err := p.pd.Open(ctx, identity.UserDataSubject(userID), ref)
	if err != nil && !p.pd.Erased(err) {
		return "", fmt.Errorf("identity projection: open address of user %d: %w", userID, err)
	}
	return email, nil
}

// registeredEmail is the address of a registration: opened from the vault
// (v2), or the clear address of a v1 registration unless the user was
// erased.
func (p *Projector) registeredEmail(ctx context.Context, e identity.UserRegistered) (string, error) {
	if e.EmailRef != "" {
		return p.openEmail(ctx, e.UserID, e.EmailRef)
	}
	if e.LegacyEmail == "" || p.pd == nil {
		return e.LegacyEmail, nil
	}
	erased, err := p.pd.WasErased(ctx, identity.UserDataSubject(e.UserID))
	if err != nil {
		return "", fmt.Errorf("identity projection: erasure of user %d: %w", e.UserID, err)
	}
	if erased {
		return "", nil
	}
	return e.LegacyEmail, nil
}

// Apply implements engine.Projector. Every statement is idempotent and
// order-safe for one stream, so replaying the log rebuilds the same rows.
func (p *Projector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	var err error
	switch e := env.Event.(type) {
	case identity.UserRegistered:
		email, rerr := p.registeredEmail(ctx, e)
		if rerr != nil {
			return rerr
		}
		_, err = tx.Exec(ctx, `
INSERT INTO users (id, username, username_key, email, email_key, has_password, date_joined)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO NOTHING`,
			e.UserID, e.Username, identity.UsernameKey(e.Username), email, identity.EmailKey(email), e.PasswordHash != "", e.RegisteredAt)
	case identity.PasswordChanged:
		_, err = tx.Exec(ctx, `UPDATE users SET has_password = true WHERE id = $1`, e.UserID)
	case identity.UserLoggedIn:
		_, err = tx.Exec(ctx, `UPDATE users SET last_login = GREATEST(last_login, $2) WHERE id = $1`, e.UserID, e.LoggedInAt)
	case identity.EmailVerified:
		_, err = tx.Exec(ctx, `UPDATE users SET email_verified = true
 WHERE id = $1 AND email_key <> '' AND encode(sha256(convert_to(email_key, 'UTF8')), 'hex') = $2`, e.UserID, e.EmailDigest)
	case identity.UsernameChanged:
		_, err = tx.Exec(ctx, `UPDATE users SET username = $2, username_key = $3 WHERE id = $1`, e.UserID, e.Username, identity.UsernameKey(e.Username))
	case identity.EmailChanged:
		email, oerr := p.openEmail(ctx, e.UserID, e.EmailRef)
		if oerr != nil {
			return oerr
		}
		_, err = tx.Exec(ctx, `UPDATE users SET email = $2, email_key = $3, email_verified = false WHERE id = $1`, e.UserID, email, identity.EmailKey(email))
	case identity.ContactInfoUpdated:
		var info identity.ContactInfo
		if p.pd != nil {
			raw, oerr := p.pd.Open(ctx, identity.UserDataSubject(e.UserID), e.DataRef)
			switch {
			case oerr == nil:
				if jerr := json.Unmarshal([]byte(raw), &info); jerr != nil {
					return fmt.Errorf("identity projection: contact info of user %d: %w", e.UserID, jerr)
				}
			case !p.pd.Erased(oerr):
				return fmt.Errorf("identity projection: open contact info of user %d: %w", e.UserID, oerr)
			}
		}
		_, err = tx.Exec(ctx, `
INSERT INTO contact_info (user_id, name, position, department, qq, phone, mobile, first_name, last_name, wechat, description, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name, position = EXCLUDED.position, department = EXCLUDED.department,
  qq = EXCLUDED.qq, phone = EXCLUDED.phone, mobile = EXCLUDED.mobile, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
  wechat = EXCLUDED.wechat, description = EXCLUDED.description, updated_at = EXCLUDED.updated_at`,
			e.UserID, info.Name, info.Position, info.Department, info.QQ, info.Phone, info.Mobile,
			info.FirstName, info.LastName, info.WeChat, info.Description, e.UpdatedAt)
	case identity.ProfileUpdated:
		birthday := ""
		if e.BirthdayRef != "" && p.pd != nil {
			b, oerr := p.pd.Open(ctx, identity.UserDataSubject(e.UserID), e.BirthdayRef)
			if oerr != nil && !p.pd.Erased(oerr) {
				return fmt.Errorf("identity projection: open birthday of user %d: %w", e.UserID, oerr)
			}
			birthday = b
		}
		_, err = tx.Exec(ctx, `UPDATE users SET bio = $2, tags = $3, birthday = $4, visited_countries = $5 WHERE id = $1`,
			e.UserID, e.Bio, e.Tags, birthday, e.VisitedCountries)
	case identity.PhoneChanged:
		phone := ""
		if e.PhoneRef != "" && p.pd != nil {
			v, oerr := p.pd.Open(ctx, identity.UserDataSubject(e.UserID), e.PhoneRef)
			if oerr != nil && !p.pd.Erased(oerr) {
				return fmt.Errorf("identity projection: open phone of user %d: %w", e.UserID, oerr)
			}
			phone = v
		}
		_, err = tx.Exec(ctx, `UPDATE users SET phone = $2 WHERE id = $1`, e.UserID, phone)
	case identity.APIKeyIssued:
		_, err = tx.Exec(ctx, `UPDATE users SET api_key_hash = $2 WHERE id = $1`, e.UserID, e.KeyHash)
	case identity.TravelInfoUpdated:
		_, err = tx.Exec(ctx, `UPDATE users SET gender = $2, intro = $3 WHERE id = $1`, e.UserID, e.Gender, e.Intro)
	case identity.AvatarChanged:
		_, err = tx.Exec(ctx, `UPDATE users SET avatar_key = $2 WHERE id = $1`, e.UserID, e.FileKey)
	case identity.SocialAccountBound:
		_, err = tx.Exec(ctx, `
INSERT INTO social_accounts (user_id, provider, nickname, avatar_url, bound_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id, provider) DO UPDATE SET nickname = EXCLUDED.nickname, avatar_url = EXCLUDED.avatar_url, bound_at = EXCLUDED.bound_at`,
			e.UserID, e.Provider, e.Nickname, e.AvatarURL, e.BoundAt)
	case identity.SocialAccountUnbound:
		_, err = tx.Exec(ctx, `DELETE FROM social_accounts WHERE user_id = $1 AND provider = $2`, e.UserID, e.Provider)
	case identity.AdminGranted:
		_, err = tx.Exec(ctx, `UPDATE users SET is_admin = true WHERE id = $1`, e.UserID)
	case identity.AdminRevoked:
		_, err = tx.Exec(ctx, `UPDATE users SET is_admin = false WHERE id = $1`, e.UserID)
	case identity.APITokenIssued:
		_, err = tx.Exec(ctx, `
INSERT INTO api_tokens (token_id, key_hash, user_id, issued_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (token_id) DO NOTHING`, e.TokenID, e.KeyHash, e.UserID, e.IssuedAt)
	case identity.APITokenUsed:
		_, err = tx.Exec(ctx, `UPDATE api_tokens SET last_used = GREATEST(last_used, $2) WHERE token_id = $1`, e.TokenID, e.UsedAt)
	case identity.PersonalDataErased:
		// What the read model opened or copied of the user's personal data
		// goes; a rebuild comes to the same (the keys are gone, and this
		// event comes again after the events that carried it).
		for _, stmt := range []string{
			`UPDATE users SET email = '', email_key = '', email_verified = false, bio = '', tags = '', birthday = '',
  visited_countries = '', avatar_key = '', phone = '', gender = 0, intro = '' WHERE id = $1`,
			`DELETE FROM contact_info WHERE user_id = $1`,
			`UPDATE social_accounts SET nickname = '', avatar_url = '' WHERE user_id = $1`,
		} {
			if _, err = tx.Exec(ctx, stmt, e.UserID); err != nil {
				break
			}
		}
	case identity.APITokenRevoked:
		_, err = tx.Exec(ctx, `
UPDATE api_tokens SET revoked = true, revoked_at = $2, revoke_reason = $3
 WHERE token_id = $1 AND NOT revoked`, e.TokenID, e.RevokedAt, e.Reason)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("identity projection: %s %s@%d: %w", env.Event.EventType(), env.Recorded.StreamID, env.Recorded.Version, err)
	}
	return nil
}
