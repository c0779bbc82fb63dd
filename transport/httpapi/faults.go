package httpapi

import (
	"errors"
	"net/http"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/queries/pgerrors"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// ErrUnavailable is a request the server could not serve because the
// database was unavailable (a connection lost, a failover, too many
// clients): nothing is known to be wrong with it, and it may be tried again
// after RetryAfterSeconds. Every API answers it as its 503 with Retry-After.
var ErrUnavailable = &fault.Error{Kind: fault.Unavailable, Code: "SERVICE_UNAVAILABLE",
	Message: "The service is unavailable for a moment; try again.", RetryAfterSeconds: 1}

// Classify returns err as an API's error table should see it: a fault as it
// is, a database that could not be used as ErrUnavailable (wrapping err),
// anything else unchanged (a bug: the API's 500, its text not shown).
func Classify(err error) error {
	if _, ok := fault.As(err); ok {
		return err
	}
	if pgerrors.Unavailable(err) {
		return ErrUnavailable.Wrap(err)
	}
	return err
}

// StatusOf is the HTTP status of a fault kind, the same in every API; an
// API's table may answer some codes otherwise. Internal is 500.
func StatusOf(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Unauthenticated:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errUnchecked reports a credential check that failed for another reason
// than the credentials (the user lookup could not reach the database).
func errUnchecked(credErr error) bool {
	return credErr != nil && !errors.Is(credErr, authn.ErrInvalidCredentials)
}
