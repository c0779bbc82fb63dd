package calendar

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// A user's iCalendar feed is served behind a secret token; the log keeps
// only the token's SHA-256 digest, on the stream calfeed-<user>.
const FeedCategory = "calfeed"

// FeedStream is the stream of a user's feed token.
func FeedStream(userID int64) string {
	return eventlog.StreamID(FeedCategory, strconv.FormatInt(userID, 10))
}

// Wire names of the feed events.
const (
	EventCalendarFeedTokenSet = "CalendarFeedTokenSet_v1"
	EventCalendarFeedRevoked  = "CalendarFeedRevoked_v1"
)

// CalendarFeedTokenSet records a new feed token of the user (the previous
// one stops working).
type CalendarFeedTokenSet struct {
	UserID      int64     `json:"user_id"`
	TokenDigest string    `json:"token_digest"`
	SetAt       time.Time `json:"set_at"`
}

// CalendarFeedRevoked records that the user's feed has no token any more.
type CalendarFeedRevoked struct {
	UserID    int64     `json:"user_id"`
	RevokedAt time.Time `json:"revoked_at"`
}

func (CalendarFeedTokenSet) EventType() string { return EventCalendarFeedTokenSet }
func (CalendarFeedRevoked) EventType() string  { return EventCalendarFeedRevoked }

// SetFeedToken decides a new token digest (64 hex digits).
func SetFeedToken(userID int64, digest string, now time.Time) (CalendarFeedTokenSet, error) {
	if len(digest) != 64 {
		return CalendarFeedTokenSet{}, fault.Invalidf("token", "invalid token digest")
	}
	return CalendarFeedTokenSet{UserID: userID, TokenDigest: digest, SetAt: now}, nil
}

// RevokeFeed decides a revocation; nil when there is no token.
func RevokeFeed(history []eventlog.Envelope, userID int64, now time.Time) *CalendarFeedRevoked {
	active := false
	for _, env := range history {
		switch env.Event.(type) {
		case CalendarFeedTokenSet:
			active = true
		case CalendarFeedRevoked:
			active = false
		}
	}
	if !active {
		return nil
	}
	return &CalendarFeedRevoked{UserID: userID, RevokedAt: now}
}
