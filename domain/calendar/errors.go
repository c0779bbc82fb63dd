package calendar

import "github.com/fiveapis/backend/domain/fault"

// Errors of the calendar. An event another user owns is not found: its
// existence is not told.
var (
	ErrEventNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
)
