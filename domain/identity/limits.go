package identity

import (
	"fmt"
	"math"
	"time"

	"github.com/fiveapis/backend/domain/fault"
)

// Refusals of the identity policies (commands/identity applies them): too
// many password attempts on an account or from a client address, too many
// verification codes for an address or from a client address. Each carries
// RetryAfterSeconds; Throttled makes one.
var (
	// ErrTooManyAttempts refuses a password check. Its message is Django REST
	// framework's throttling text, as the DRF APIs answer it.
	ErrTooManyAttempts = fault.New(fault.RateLimited, "TOO_MANY_ATTEMPTS", "Request was throttled.")
	// ErrTooManyCodes refuses sending a verification code.
	ErrTooManyCodes = fault.New(fault.RateLimited, "TOO_MANY_CODES", "Request was throttled.")
)

// Throttled returns refusal for a wait of retryAfter: RetryAfterSeconds is
// the wait in whole seconds, rounded up (at least 1), and the message DRF's
// "Request was throttled. Expected available in N seconds.".
func Throttled(refusal *fault.Error, retryAfter time.Duration) *fault.Error {
	f := *refusal
	f.RetryAfterSeconds = max(1, int(math.Ceil(retryAfter.Seconds())))
	f.Message = fmt.Sprintf("Request was throttled. Expected available in %d seconds.", f.RetryAfterSeconds)
	return &f
}
