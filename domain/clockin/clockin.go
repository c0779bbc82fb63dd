package clockin

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Errors of a clock-in, with the messages 001's clients show.
var (
	ErrNotYetOpen       = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_NOT_YET_OPEN", Field: "item", Message: "打卡尚未开始"}
	ErrClosed           = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_CLOSED", Field: "item", Message: "打卡已结束"}
	ErrNotEnrolled      = &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_NOT_ENROLLED", Field: "non_field_errors", Message: "您未报名该活动，不能打卡"}
	ErrAlreadyClockedIn = &fault.Error{Kind: fault.Conflict, Code: "CLOCKIN_ALREADY", Field: "non_field_errors", Message: "您已在该打卡项打过卡"}
)

// ErrNoSuchItem answers a clock-in at an item the activity does not have, as
// DRF's PrimaryKeyRelatedField does.
func ErrNoSuchItem(id int64) error {
	return &fault.Error{Kind: fault.Invalid, Code: "CLOCKIN_NO_SUCH_ITEM", Field: "item",
		Message: `Invalid pk "` + itoa(id) + `" - object does not exist.`}
}

// Request is a user's clock-in at an item with a checked QR code of Window.
type Request struct {
	ItemID int64
	UserID int64
	Window int64
}

// CheckItem decides what the activity's setup says of a clock-in at now: the
// item must be the activity's and open.
func (s Setup) CheckItem(itemID int64, now time.Time) (Item, error) {
	it, ok := s.items[itemID]
	switch {
	case !ok:
		return Item{}, ErrNoSuchItem(itemID)
	case now.Before(it.OpenFrom):
		return it, ErrNotYetOpen
	case !now.Before(it.OpenTo):
		return it, ErrClosed
	}
	return it, nil
}

// ClockIn decides a clock-in on the user's record stream of the item, whose
// last event is last (nil: none yet): once per user and item.
func ClockIn(it Item, last eventlog.Event, req Request, now time.Time) (ClockedIn, error) {
	if last != nil {
		return ClockedIn{}, ErrAlreadyClockedIn
	}
	return ClockedIn{ItemID: it.ID, ActivityID: it.ActivityID, UserID: req.UserID, Label: it.Label, Window: req.Window, ClockedAt: now}, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
