package identity

import "github.com/fiveapis/backend/domain/fault"

// Domain errors of the identity context. Validation errors are
// fault.Invalidf errors naming the field.
var (
	ErrUsernameTaken = &fault.Error{Kind: fault.Conflict, Code: "USERNAME_TAKEN", Field: "username",
		Message: "A user with that username already exists."}
	ErrEmailTaken = &fault.Error{Kind: fault.Conflict, Code: "EMAIL_TAKEN", Field: "email",
		Message: "A user with that email already exists."}
	// ErrBadCredentials answers a wrong username, e-mail or password alike,
	// so that a client cannot tell which one was wrong.
	ErrBadCredentials = fault.New(fault.Unauthenticated, "INVALID_CREDENTIALS",
		"No active account found with the given credentials")
	ErrUserInactive = fault.New(fault.Unauthenticated, "USER_INACTIVE",
		"No active account found with the given credentials")
	ErrUserNotFound  = fault.New(fault.NotFound, "USER_NOT_FOUND", "User not found.")
	ErrUserExists    = fault.New(fault.Conflict, "USER_EXISTS", "The user already exists.")
	ErrAdminRequired = fault.New(fault.Forbidden, "ADMIN_REQUIRED",
		"You do not have permission to perform this action.")
	ErrRevokeOwnAdmin = fault.New(fault.Conflict, "REVOKE_OWN_ADMIN",
		"An admin cannot revoke their own admin role.")
	ErrNoPassword = fault.New(fault.Conflict, "NO_PASSWORD", "The account has no password.")

	ErrTokenInvalid = fault.New(fault.Unauthenticated, "TOKEN_INVALID", "Token is invalid or expired")
	ErrTokenExpired = fault.New(fault.Unauthenticated, "TOKEN_EXPIRED", "Token has expired.")
	ErrTokenRevoked = fault.New(fault.Unauthenticated, "TOKEN_REVOKED", "Token has been revoked.")
)
