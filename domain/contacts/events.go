// Package contacts is 001's address-book context beyond the entry itself
// (which identity keeps): the colleague relation ("friends") and the
// departments admins manage.
//
// It is pure: decisions take the current state and the time and return
// events or a classified error (domain/fault).
//
// Streams:
//
//	colleague-<user id>-<colleague id>  ColleagueAdded, ColleagueRemoved: whether one user
//	                                     counts another as a colleague. A decision reads only
//	                                     the last event, so adding and removing are exact and
//	                                     idempotent under concurrency.
//	departments-hhu                      DepartmentAdded, DepartmentRenamed, DepartmentRemoved:
//	                                     the whole catalogue in one stream, so unique names and
//	                                     ids are decided with one expected version. Each event
//	                                     carries the catalogue after it (at most MaxDepartments
//	                                     entries) and the next id, so a decision reads only the
//	                                     stream's last event.
//	hhumember-<user id>                  MemberPlaced, MemberDismissed: an admin placing a user
//	                                     on 001's staff in a department (members.go); a
//	                                     decision reads only the last event.
package contacts

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories.
const (
	ColleagueCategory  = "colleague"
	DepartmentCategory = "departments"
)

// ColleagueStream is the stream of whether user counts colleague as one.
func ColleagueStream(userID, colleagueID int64) string {
	return eventlog.StreamID(ColleagueCategory, strconv.FormatInt(userID, 10)+"-"+strconv.FormatInt(colleagueID, 10))
}

// DepartmentStream is the stream of 001's department catalogue.
func DepartmentStream() string { return eventlog.StreamID(DepartmentCategory, "hhu") }

// Wire names of the events.
const (
	EventColleagueAdded    = "ColleagueAdded_v1"
	EventColleagueRemoved  = "ColleagueRemoved_v1"
	EventDepartmentAdded   = "DepartmentAdded_v1"
	EventDepartmentRenamed = "DepartmentRenamed_v1"
	EventDepartmentRemoved = "DepartmentRemoved_v1"
)

// ColleagueAdded records that a user added another as a colleague
// (POST /friends/{id}/).
type ColleagueAdded struct {
	UserID      int64     `json:"user_id"`
	ColleagueID int64     `json:"colleague_id"`
	AddedAt     time.Time `json:"added_at"`
}

// ColleagueRemoved records that a user removed a colleague
// (DELETE /friends/{id}/).
type ColleagueRemoved struct {
	UserID      int64     `json:"user_id"`
	ColleagueID int64     `json:"colleague_id"`
	RemovedAt   time.Time `json:"removed_at"`
}

// Department is one entry of the catalogue.
type Department struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// DepartmentAdded records a new department (admin). Catalogue is every
// department after the change, NextID the id the next one gets.
type DepartmentAdded struct {
	DepartmentID int64        `json:"department_id"`
	Name         string       `json:"name"`
	AddedAt      time.Time    `json:"added_at"`
	Catalogue    []Department `json:"catalogue"`
	NextID       int64        `json:"next_id"`
}

// DepartmentRenamed records a department's new name (admin); OldName is the
// name it had.
type DepartmentRenamed struct {
	DepartmentID int64        `json:"department_id"`
	Name         string       `json:"name"`
	OldName      string       `json:"old_name"`
	RenamedAt    time.Time    `json:"renamed_at"`
	Catalogue    []Department `json:"catalogue"`
	NextID       int64        `json:"next_id"`
}

// DepartmentRemoved records that a department is gone (admin); address-book
// entries that referred to it show no department.
type DepartmentRemoved struct {
	DepartmentID int64        `json:"department_id"`
	Name         string       `json:"name"`
	RemovedAt    time.Time    `json:"removed_at"`
	Catalogue    []Department `json:"catalogue"`
	NextID       int64        `json:"next_id"`
}

func (ColleagueAdded) EventType() string    { return EventColleagueAdded }
func (ColleagueRemoved) EventType() string  { return EventColleagueRemoved }
func (DepartmentAdded) EventType() string   { return EventDepartmentAdded }
func (DepartmentRenamed) EventType() string { return EventDepartmentRenamed }
func (DepartmentRemoved) EventType() string { return EventDepartmentRemoved }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		ColleagueAdded{}, ColleagueRemoved{},
		DepartmentAdded{}, DepartmentRenamed{}, DepartmentRemoved{},
		MemberPlaced{}, MemberDismissed{},
	}
}
