package repairs

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of a request's fields.
const (
	MaxLocationLength    = 128
	MaxDescriptionLength = 1000
)

// Statuses of a request, with the labels 001's back office shows.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusResolved   = "resolved"
)

// Statuses are the statuses in their order.
var Statuses = []string{StatusPending, StatusProcessing, StatusResolved}

// StatusLabel is a status's label (待处理, 处理中, 已解决).
func StatusLabel(status string) string {
	switch status {
	case StatusPending:
		return "待处理"
	case StatusProcessing:
		return "处理中"
	case StatusResolved:
		return "已解决"
	}
	return status
}

// ParseStatus reads a status given as its code or its label.
func ParseStatus(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, st := range Statuses {
		if s == st || s == StatusLabel(st) {
			return st, true
		}
	}
	return "", false
}

// Errors of requests.
var ErrRepairNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")

// ErrNoSuchCategory answers a request naming a category that does not exist,
// as DRF's PrimaryKeyRelatedField does.
func ErrNoSuchCategory(id int64) error {
	return fault.Invalidf("category", "Invalid pk \"%d\" - object does not exist.", id)
}

// Request is a user's repair request.
type Request struct {
	UserID      int64
	Location    string
	CategoryID  int64
	Description string
}

func checkText(field, v string, maxLen int) error {
	switch {
	case v == "":
		return fault.Invalidf(field, "This field may not be blank.")
	case utf8.RuneCountInString(v) > maxLen:
		return fault.Invalidf(field, "Ensure this field has no more than %d characters.", maxLen)
	}
	return nil
}

// CheckRequest validates a request's text fields.
func CheckRequest(r Request) error {
	return errors.Join(
		checkText("location", strings.TrimSpace(r.Location), MaxLocationLength),
		checkText("description", strings.TrimSpace(r.Description), MaxDescriptionLength),
	)
}

// RequestRepair decides a request with an allocated id against the setup:
// the category must exist; the addresses to notify are resolved now.
func RequestRepair(s Setup, id int64, r Request, now time.Time) (RepairRequested, error) {
	if err := CheckRequest(r); err != nil {
		return RepairRequested{}, err
	}
	c, ok := s.Category(r.CategoryID)
	if !ok {
		return RepairRequested{}, ErrNoSuchCategory(r.CategoryID)
	}
	notify := s.Recipients(c.ID)
	if notify == nil {
		notify = []string{}
	}
	return RepairRequested{RepairID: id, UserID: r.UserID, Location: strings.TrimSpace(r.Location), CategoryID: c.ID,
		CategoryName: c.Name, Description: strings.TrimSpace(r.Description), Status: StatusPending, Notify: notify,
		RequestedAt: now}, nil
}

// Repair is a request's state, folded from its stream.
type Repair struct {
	ID     int64
	UserID int64
	Status string
}

// Exists reports whether the request was made.
func (r Repair) Exists() bool { return r.ID != 0 }

// RepairFrom folds a repair stream's history.
func RepairFrom(history []eventlog.Envelope) Repair {
	var r Repair
	for _, env := range history {
		switch e := env.Event.(type) {
		case RepairRequested:
			r = Repair{ID: e.RepairID, UserID: e.UserID, Status: e.Status}
		case RepairStatusChanged:
			r.Status = e.To
		}
	}
	return r
}

// ChangeStatus decides an admin's change of status; the same status appends
// nothing.
func ChangeStatus(r Repair, to string, by int64, now time.Time) (*RepairStatusChanged, error) {
	if !r.Exists() {
		return nil, ErrRepairNotFound
	}
	st, ok := ParseStatus(to)
	if !ok {
		return nil, fault.Invalidf("status", "\"%s\" is not a valid choice.", to)
	}
	if st == r.Status {
		return nil, nil
	}
	return &RepairStatusChanged{RepairID: r.ID, From: r.Status, To: st, ChangedBy: by, ChangedAt: now}, nil
}
