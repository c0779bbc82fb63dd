package albumshttp

import "github.com/fiveapis/backend/domain/fault"

// refusal is a refusal in 004's words (a "TRAVEL_" fault: code 403 and msg).
func refusal(code, msg string) error {
	return &fault.Error{Kind: fault.NotFound, Code: code, Message: msg}
}
