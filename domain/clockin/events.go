// Package clockin is 001's clock-in (打卡) context: the clock-in items of an
// activity (签到, 签退, … each with a time window), the activity's clock-in
// staff (打卡员), the rotating QR codes staff show, and users' clock-ins.
//
// It is pure: decisions take the current state, the time and allocated ids
// as arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	clockinsetup-<activity id>       ClockInItemAdded, ClockInItemChanged, ClockInItemRemoved,
//	                                 ClockInStaffAssigned, ClockInStaffUnassigned: one
//	                                 activity's items and staff, decided on the whole
//	                                 (short) stream, so labels stay unique within the
//	                                 activity under concurrent edits
//	clockin-<item id>-<user id>      ClockedIn: one user's clock-in at one item, appended
//	                                 with expected version "no stream", so a user clocks in
//	                                 at an item once, whatever the concurrency
//
// Item ids come from the sequence "clockinitem" (domain/sequence).
package clockin

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories.
const (
	SetupCategory  = "clockinsetup"
	RecordCategory = "clockin"
)

// ItemSequence is the sequence of item ids.
const ItemSequence = "clockinitem"

// SetupStream is the stream of an activity's items and staff.
func SetupStream(activityID int64) string {
	return eventlog.StreamID(SetupCategory, strconv.FormatInt(activityID, 10))
}

// RecordStream is the stream of one user's clock-in at one item.
func RecordStream(itemID, userID int64) string {
	return eventlog.StreamID(RecordCategory, strconv.FormatInt(itemID, 10)+"-"+strconv.FormatInt(userID, 10))
}

// Wire names of the events.
const (
	EventClockInItemAdded       = "ClockInItemAdded_v1"
	EventClockInItemChanged     = "ClockInItemChanged_v1"
	EventClockInItemRemoved     = "ClockInItemRemoved_v1"
	EventClockInStaffAssigned   = "ClockInStaffAssigned_v1"
	EventClockInStaffUnassigned = "ClockInStaffUnassigned_v1"
	EventClockedIn              = "ClockedIn_v1"
)

// ClockInItemAdded records a new clock-in item of an activity (admin): users
// may clock in at it from OpenFrom (inclusive) to OpenTo (exclusive).
type ClockInItemAdded struct {
	ItemID     int64     `json:"item_id"`
	ActivityID int64     `json:"activity_id"`
	Label      string    `json:"label"`
	OpenFrom   time.Time `json:"open_from"`
	OpenTo     time.Time `json:"open_to"`
	AddedAt    time.Time `json:"added_at"`
}

// ClockInItemChanged records an item's state after an edit (admin); every
// field is the item's value after the change.
type ClockInItemChanged struct {
	ItemID     int64     `json:"item_id"`
	ActivityID int64     `json:"activity_id"`
	Label      string    `json:"label"`
	OpenFrom   time.Time `json:"open_from"`
	OpenTo     time.Time `json:"open_to"`
	ChangedAt  time.Time `json:"changed_at"`
}

// ClockInItemRemoved records that an item is gone (admin): nobody can clock
// in at it any more, and its clock-ins no longer count (as the original
// system's cascading delete).
type ClockInItemRemoved struct {
	ItemID     int64     `json:"item_id"`
	ActivityID int64     `json:"activity_id"`
	RemovedAt  time.Time `json:"removed_at"`
}

// ClockInStaffAssigned records that a user may show the activity's QR codes.
type ClockInStaffAssigned struct {
	ActivityID int64     `json:"activity_id"`
	UserID     int64     `json:"user_id"`
	AssignedAt time.Time `json:"assigned_at"`
}

// ClockInStaffUnassigned records that a user no longer is the activity's
// clock-in staff.
type ClockInStaffUnassigned struct {
	ActivityID   int64     `json:"activity_id"`
	UserID       int64     `json:"user_id"`
	UnassignedAt time.Time `json:"unassigned_at"`
}

// ClockedIn records a user's clock-in at an item with a QR code of the
// given window (floor(unix seconds / 25) of when the code was shown).
type ClockedIn struct {
	ItemID     int64     `json:"item_id"`
	ActivityID int64     `json:"activity_id"`
	UserID     int64     `json:"user_id"`
	Label      string    `json:"label"`
	Window     int64     `json:"window"`
	ClockedAt  time.Time `json:"clocked_at"`
}

func (ClockInItemAdded) EventType() string       { return EventClockInItemAdded }
func (ClockInItemChanged) EventType() string     { return EventClockInItemChanged }
func (ClockInItemRemoved) EventType() string     { return EventClockInItemRemoved }
func (ClockInStaffAssigned) EventType() string   { return EventClockInStaffAssigned }
func (ClockInStaffUnassigned) EventType() string { return EventClockInStaffUnassigned }
func (ClockedIn) EventType() string              { return EventClockedIn }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		ClockInItemAdded{}, ClockInItemChanged{}, ClockInItemRemoved{},
		ClockInStaffAssigned{}, ClockInStaffUnassigned{}, ClockedIn{},
	}
}
