package contacts

import (
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// ErrSelfColleague refuses adding oneself as a colleague.
var ErrSelfColleague = &fault.Error{Kind: fault.Invalid, Code: "COLLEAGUE_SELF", Field: "non_field_errors", Message: "不能将自己添加为同事"}

// IsColleague reports the relation carried by a colleague stream's last event
// (nil: never added).
func IsColleague(last eventlog.Event) bool {
	_, ok := last.(ColleagueAdded)
	return ok
}

// AddColleague decides that user adds colleague. Adding one who already is
// appends nothing (nil event, nil error).
func AddColleague(isColleague bool, userID, colleagueID int64, now time.Time) (*ColleagueAdded, error) {
	if userID == colleagueID {
		return nil, ErrSelfColleague
	}
	if isColleague {
		return nil, nil
	}
	return &ColleagueAdded{UserID: userID, ColleagueID: colleagueID, AddedAt: now}, nil
}

// RemoveColleague decides that user removes colleague. Removing one who is not
// a colleague appends nothing.
func RemoveColleague(isColleague bool, userID, colleagueID int64, now time.Time) *ColleagueRemoved {
	if !isColleague {
		return nil
	}
	return &ColleagueRemoved{UserID: userID, ColleagueID: colleagueID, RemovedAt: now}
}
