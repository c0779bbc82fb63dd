// Package identity is the one identity context of all five APIs: users, their
// credentials (password, JWT refresh tokens, sliding API tokens; later OAuth
// bindings, API keys, sessions) and the admin role.
//
// It is pure: no I/O, no clock, no randomness. Ids, times, password hashes and
// token ids are passed in by the command handlers.
//
// # Streams
//
//   - "user-<id>": the User aggregate. Ids are positive integers allocated from
//     the sequence "user" (domain/sequence), rendered in decimal ("user-42").
//   - "username-<lowercased username>": the claim of a username. Appending the
//     first UsernameClaimed with the NoStream condition makes two concurrent
//     registrations of one name impossible to both win.
//   - "useremail-<sha256 hex of the lowercased e-mail>": the claim of an
//     e-mail address. The stream id holds a digest, not the address, so that
//     erasing a user's personal data never has to touch a stream id.
//   - "apitoken-<token id>": the coarse usage record of one API token
//     (APITokenUsed, at most one per TokenTouchInterval), so that the sliding
//     3-hour expiry does not cost an event per request nor grow the user's
//     stream.
//
// # Personal data
//
// Addresses, phone numbers, birthdays and address-book entries never appear
// in the log in clear: events carry a digest where uniqueness or lookups
// need one and a reference sealed in the personal-data vault for the subject
// "user:<id>" (UserRegistered_v2, EmailChanged, PhoneChanged, ProfileUpdated,
// ContactInfoUpdated). The commands seal, the projection opens; erasing the
// subject's key makes every reference unreadable. Only old
// UserRegistered_v1 events hold an address in clear (read as LegacyEmail).
package identity

import (
	"strconv"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories of the identity context.
const (
	UserCategory          = "user"
	UsernameClaimCategory = "username"
	EmailClaimCategory    = "useremail"
	APITokenCategory      = "apitoken"
)

// UserSequence is the name of the sequence user ids are allocated from.
const UserSequence = "user"

// UserStream is the stream of user id.
func UserStream(id int64) string {
	return eventlog.StreamID(UserCategory, strconv.FormatInt(id, 10))
}

// UsernameClaimStream is the claim stream of a username.
func UsernameClaimStream(u Username) string {
	return eventlog.StreamID(UsernameClaimCategory, u.Key())
}

// EmailClaimStream is the claim stream of an e-mail address.
func EmailClaimStream(e Email) string {
	return eventlog.StreamID(EmailClaimCategory, e.Digest())
}

// APITokenStream is the usage stream of an API token.
func APITokenStream(tokenID string) string {
	return eventlog.StreamID(APITokenCategory, tokenID)
}

// ParseUserID parses a decimal user id as used in stream ids, JWT claims and
// principals; it reports false for anything that is not a positive integer.
func ParseUserID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// FormatUserID renders a user id as it appears in principals and claims.
func FormatUserID(id int64) string { return strconv.FormatInt(id, 10) }

// PrivateCategories are the categories whose stream ids are personal data
// or secrets: the digest of an e-mail address or phone number, a social
// account's external id, an API token's id. Consumers outside the process
// see a pseudonym instead (eventlog's consumer-facing form).
func PrivateCategories() []string {
	return []string{EmailClaimCategory, PhoneClaimCategory, SocialClaimCategory, EmailVerificationCategory, APITokenCategory}
}
