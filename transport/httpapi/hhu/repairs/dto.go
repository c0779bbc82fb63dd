package repairshttp

import (
	"slices"
	"time"

	"github.com/fiveapis/backend/domain/repairs"
	repairsq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

type categoryJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type addressJSON struct {
	ID         int64   `json:"id"`
	Email      string  `json:"email"`
	Categories []int64 `json:"categories"`
	// AllCategories: no category chosen, so every category is notified.
	AllCategories bool `json:"all_categories"`
}

func toAddressJSON(id int64, email string, cats []int64) addressJSON {
	if cats == nil {
		cats = []int64{}
	}
	return addressJSON{ID: id, Email: email, Categories: cats, AllCategories: len(cats) == 0}
}

// addressRow renders a notification address of the read model.
func addressRow(a repairsq.Address) addressJSON { return toAddressJSON(a.ID, a.Email, a.CategoryIDs) }

type statusChangeJSON struct {
	From        string `json:"from"`
	To          string `json:"to"`
	ToDisplay   string `json:"to_display"`
	ChangedBy   int64  `json:"changed_by"`
	ChangedAt   string `json:"changed_at"`
	FromDisplay string `json:"from_display"`
}

type repairJSON struct {
	ID            int64              `json:"id"`
	User          int64              `json:"user"`
	Location      string             `json:"location"`
	Category      int64              `json:"category"`
	CategoryName  string             `json:"category_name"`
	Description   string             `json:"description"`
	Status        string             `json:"status"`
	StatusDisplay string             `json:"status_display"`
	Created       string             `json:"created"`
	Updated       string             `json:"updated"`
	History       []statusChangeJSON `json:"history,omitempty"`
	// Notified are the addresses told of the request (admins only).
	Notified []string `json:"notified,omitempty"`
}

// repairsPage is DRF's page of requests.
type repairsPage struct {
	Count    int          `json:"count"`
	Next     *string      `json:"next"`
	Previous *string      `json:"previous"`
	Results  []repairJSON `json:"results"`
}

func (h *Handlers) ts(t time.Time) string { return t.In(h.d.Zone).Format(time.RFC3339) }

// toJSON renders a request; detail adds its history, admin the addresses
// notified.
func (h *Handlers) toJSON(r repairsq.Repair, detail, admin bool) repairJSON {
	out := repairJSON{ID: r.ID, User: r.UserID, Location: r.Location, Category: r.CategoryID, CategoryName: r.CategoryName,
		Description: r.Description, Status: r.Status, StatusDisplay: repairs.StatusLabel(r.Status),
		Created: h.ts(r.CreatedAt), Updated: h.ts(r.UpdatedAt)}
	if detail {
		out.History = make([]statusChangeJSON, len(r.History))
		for i, c := range r.History {
			out.History[i] = statusChangeJSON{From: c.From, FromDisplay: repairs.StatusLabel(c.From), To: c.To,
				ToDisplay: repairs.StatusLabel(c.To), ChangedBy: c.ChangedBy, ChangedAt: h.ts(c.ChangedAt)}
		}
	}
	if admin {
		out.Notified = r.Notify
	}
	return out
}

// miniProgramRepairJSON is a request as the mini-program reads it (the
// original's RepairRequestViewSerializer): the category an object, status
// the original's number (0 未受理, 1 处理中, 2 已解决: 001's pending,
// processing, resolved), with 001's fields that do not clash.
type miniProgramRepairJSON struct {
	ID            int64              `json:"id"`
	User          int64              `json:"user"`
	Location      string             `json:"location"`
	Category      hhu.DepartmentJSON `json:"category"`
	Description   string             `json:"description"`
	Status        int                `json:"status"`
	Created       string             `json:"created"`
	CategoryID    int64              `json:"category_id"`
	CategoryName  string             `json:"category_name"`
	StatusCode    string             `json:"status_code"`
	StatusDisplay string             `json:"status_display"`
	Updated       string             `json:"updated"`
}

// miniProgramRepairsPage is DRF's page of the mini-program's requests.
type miniProgramRepairsPage struct {
	Count    int                     `json:"count"`
	Next     *string                 `json:"next"`
	Previous *string                 `json:"previous"`
	Results  []miniProgramRepairJSON `json:"results"`
}

func (h *Handlers) toMiniProgramJSON(r repairsq.Repair) miniProgramRepairJSON {
	x := h.toJSON(r, false, false)
	return miniProgramRepairJSON{ID: x.ID, User: x.User, Location: x.Location, Category: hhu.DepartmentJSON{ID: r.CategoryID, Name: r.CategoryName},
		Description: x.Description, Status: max(slices.Index(repairs.Statuses, r.Status), 0), Created: x.Created, CategoryID: x.Category,
		CategoryName: x.CategoryName, StatusCode: x.Status, StatusDisplay: x.StatusDisplay, Updated: x.Updated}
}
