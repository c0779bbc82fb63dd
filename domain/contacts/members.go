package contacts

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Membership of 001's staff (docs/identity.md, "Membership"): one account
// serves all five APIs, so an account registered through Roamio or the
// travel app can log in to 001 as well. Colleagues' personal data and the
// college's resources are for HHU staff only: accounts an HHU admin placed
// in a department (this stream), or bound to WeChat through 001's
// mini-program (identity's SocialAccountBound). Whether a user is a member
// is read from the read models (queries/contacts IsMember); the commands and
// queries that need it ask through a port.

// MemberCategory is the category of the membership streams.
const MemberCategory = "hhumember"

// MemberStream is the stream of one user's placement by admins:
// hhumember-<user id> (MemberPlaced, MemberDismissed). A decision reads only
// its last event.
func MemberStream(userID int64) string {
	return eventlog.StreamID(MemberCategory, strconv.FormatInt(userID, 10))
}

// Wire names of the membership events.
const (
	EventMemberPlaced    = "MemberPlaced_v1"
	EventMemberDismissed = "MemberDismissed_v1"
)

// MemberPlaced records that an admin placed a user on the staff, in a
// department (PUT /api/admin/hhu/members/{user}/); placing a member again
// moves them to another department.
type MemberPlaced struct {
	UserID       int64     `json:"user_id"`
	DepartmentID int64     `json:"department_id"`
	PlacedBy     int64     `json:"placed_by"`
	PlacedAt     time.Time `json:"placed_at"`
}

// MemberDismissed records that an admin took a user off the staff (DELETE
// /api/admin/hhu/members/{user}/). A WeChat binding still makes them a
// member.
type MemberDismissed struct {
	UserID       int64     `json:"user_id"`
	DismissedBy  int64     `json:"dismissed_by"`
	DismissedAt  time.Time `json:"dismissed_at"`
	DepartmentID int64     `json:"department_id"`
}

func (MemberPlaced) EventType() string    { return EventMemberPlaced }
func (MemberDismissed) EventType() string { return EventMemberDismissed }

// ErrNotPlaced: the user is not on the staff by an admin's placement.
var ErrNotPlaced = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")

// Placement is what a member stream's last event says: whether an admin
// placed the user, and in which department.
type Placement struct {
	Placed       bool
	DepartmentID int64
}

// PlacementFrom reads the last event of a member stream (nil: never placed).
func PlacementFrom(last eventlog.Event) Placement {
	if e, ok := last.(MemberPlaced); ok {
		return Placement{Placed: true, DepartmentID: e.DepartmentID}
	}
	return Placement{}
}

// PlaceMember decides that admin by places user in the catalogue's
// department: an unknown department is an invalid department; placing a
// member in the department they are in appends nothing (nil event, nil
// error).
func PlaceMember(p Placement, cat Catalogue, userID, departmentID, by int64, now time.Time) (*MemberPlaced, error) {
	if _, ok := cat.Find(departmentID); !ok {
		return nil, fault.Invalidf("department", "Invalid pk \"%d\" - object does not exist.", departmentID)
	}
	if p.Placed && p.DepartmentID == departmentID {
		return nil, nil
	}
	return &MemberPlaced{UserID: userID, DepartmentID: departmentID, PlacedBy: by, PlacedAt: now}, nil
}

// DismissMember decides that admin by takes user off the staff;
// ErrNotPlaced when no admin placed them.
func DismissMember(p Placement, userID, by int64, now time.Time) (MemberDismissed, error) {
	if !p.Placed {
		return MemberDismissed{}, ErrNotPlaced
	}
	return MemberDismissed{UserID: userID, DismissedBy: by, DismissedAt: now, DepartmentID: p.DepartmentID}, nil
}
