// Package fault classifies domain errors once, so every API can map them to its
// own status codes and envelopes in one table with errors.As.
package fault

import (
	"errors"
	"fmt"
)

// Kind is the class of a failure, independent of any API.
type Kind uint8

const (
	// Internal is anything unclassified: a bug or an outage.
	Internal Kind = iota
	// Invalid input: the client must change the request.
	Invalid
	// NotFound: the thing does not exist or may not be seen by the caller.
	NotFound
	// Conflict: the request clashes with the current state (already used,
	// already exists, concurrent change that could not be resolved).
	Conflict
	// Unauthenticated: no or bad credentials.
	Unauthenticated
	// Forbidden: authenticated but not allowed.
	Forbidden
	// RateLimited: too many attempts; RetryAfter says when to come back.
	RateLimited
	// Unavailable: a dependency (the database) could not be used; the
	// request may be tried again (RetryAfter says when). Nothing is known
	// to be wrong with it.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case RateLimited:
		return "rate_limited"
	case Unavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// Error is a classified domain error. Code is a stable machine code an API may
// expose (e.g. "CARD_ALREADY_USED"); Field names the offending input field for
// Invalid errors; Details carries structured facts for the client.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Field   string
	Details map[string]any
	// RetryAfterSeconds is set for RateLimited and Unavailable errors.
	RetryAfterSeconds int
	Err               error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error with the same Kind and Code, so sentinel faults
// can be compared with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == e.Code && t.Code != ""
}

// New returns a classified error.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Invalidf reports invalid input in field.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: "INVALID_INPUT", Field: field, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying details.
func (e *Error) With(details map[string]any) *Error {
	c := *e
	c.Details = details
	return &c
}

// Wrap returns a copy of e with cause err.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var f *Error
	ok := errors.As(err, &f)
	return f, ok
}

// KindOf returns the kind of err (Internal when unclassified).
func KindOf(err error) Kind {
	if f, ok := As(err); ok {
		return f.Kind
	}
	return Internal
}
