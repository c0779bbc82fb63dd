package identity

import "github.com/fiveapis/backend/domain/fault"

// ProviderProfile is a provider account (QQ, AcWing) as an authorization
// code exchange proved it; transport/oauth returns it.
type ProviderProfile struct {
	ExternalID string
	Nickname   string
	AvatarURL  string
}

// Refusals of a provider login, returned by transport/oauth and mapped by
// each API's error table.
var (
	// ErrProviderRejected: the provider refused the authorization code
	// (unknown, expired, used, of another app).
	ErrProviderRejected = fault.New(fault.Invalid, "PROVIDER_CODE_REJECTED", "The provider rejected the authorization code.")
	// ErrProviderUnavailable: the provider could not be asked (network,
	// HTTP error, malformed answer).
	ErrProviderUnavailable = fault.New(fault.Internal, "PROVIDER_UNAVAILABLE", "The provider could not be reached.")

	// ErrStateUnknown: an OAuth state that was never issued or was used
	// already.
	ErrStateUnknown = fault.New(fault.Invalid, "OAUTH_STATE_UNKNOWN", "OAuth state unknown or already used.")
	// ErrStateExpired: an OAuth state past its expiry.
	ErrStateExpired = fault.New(fault.Invalid, "OAUTH_STATE_EXPIRED", "OAuth state expired.")
	// ErrStateOtherBrowser: the callback does not come from the browser the
	// state was issued to (login CSRF).
	ErrStateOtherBrowser = fault.New(fault.Invalid, "OAUTH_STATE_OTHER_BROWSER", "OAuth state issued to another browser.")
)
