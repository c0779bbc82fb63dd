package eventlog

import "strings"

// The consumer-facing form of an event is what a consumer outside the
// process (the SSE stream, NATS JetStream) may see: the event in its newest
// version without its secrets and personal data. Auditors reading the log
// itself (logctl export) see everything.
//
// What is hidden is decided by the payload's and the metadata's JSON keys,
// so that a new event is covered by naming its fields by the house rules:
//
//   - secrets and their stand-ins: "*_hash" (password, key and code
//     hashes), "token_id", "jti", "code_id", anything with "password" or
//     "secret" in its name;
//   - personal data: "*_digest" (an unsalted digest of an address or phone
//     number can be reversed by trying addresses), "*_ref" (personal data
//     sealed in the vault), "legacy_email", "email", "phone", "mobile", "qq",
//     "ip_address", "client_ip", "user_agent", and what people write about
//     themselves in a profile: "bio", "intro", "tags", "visited_countries",
//     "nickname", "avatar_url".
//
// docs/events.md lists, per event, the fields its consumer-facing form
// hides (generated from the struct tags by the catalogue test).
func HiddenFromConsumers(key string) bool {
	switch key {
	case "token_id", "jti", "code_id", "legacy_email", "email", "phone", "mobile", "qq", "ip_address", "client_ip", "user_agent",
		"bio", "intro", "tags", "visited_countries", "nickname", "avatar_url":
		return true
	}
	for _, suffix := range []string{"_hash", "_digest", "_ref"} {
		if strings.HasSuffix(key, suffix) {
			return true
		}
	}
	return strings.Contains(key, "password") || strings.Contains(key, "secret")
}
