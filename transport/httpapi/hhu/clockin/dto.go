package clockinhttp

import (
	"time"

	"github.com/fiveapis/backend/domain/clockin"
	clockinq "github.com/fiveapis/backend/queries/clockin"
)

func (h *Handlers) ts(t time.Time) string { return t.In(h.d.Zone).Format(time.RFC3339) }

type itemJSON struct {
	ID       int64  `json:"id"`
	Activity int64  `json:"activity"`
	Label    string `json:"label"`
	OpenFrom string `json:"open_from"`
	OpenTo   string `json:"open_to"`
}

// itemOut renders an item as a command left it.
func (h *Handlers) itemOut(it clockin.Item) itemJSON {
	return itemJSON{ID: it.ID, Activity: it.ActivityID, Label: it.Label, OpenFrom: h.ts(it.OpenFrom), OpenTo: h.ts(it.OpenTo)}
}

// itemRow renders an item of the read model.
func (h *Handlers) itemRow(it clockinq.Item) itemJSON {
	return h.itemOut(clockin.Item{ID: it.ID, ActivityID: it.ActivityID, ItemSpec: clockin.ItemSpec{Label: it.Label, OpenFrom: it.OpenFrom, OpenTo: it.OpenTo}})
}

type staffJSON struct {
	User       int64  `json:"user"`
	Username   string `json:"username"`
	AssignedAt string `json:"assigned_at,omitempty"`
}

// assignedJSON answers a staff assignment.
type assignedJSON struct {
	Activity int64 `json:"activity"`
	User     int64 `json:"user"`
}

type recordJSON struct {
	Activity  int64  `json:"activity"`
	Item      int64  `json:"item"`
	Label     string `json:"label"`
	User      int64  `json:"user"`
	ClockedAt string `json:"clocked_at"`
	Window    int64  `json:"window"`
}

type qrJSON struct {
	Activity      int64  `json:"activity"`
	Item          int64  `json:"item"`
	Label         string `json:"label"`
	Open          bool   `json:"open"`
	Code          string `json:"code"`
	Window        int64  `json:"window"`
	ShownFrom     string `json:"shown_from"`
	ExpiresAt     string `json:"expires_at"`
	ExpiresIn     int64  `json:"expires_in_ms"`
	PeriodSeconds int    `json:"period_seconds"`
	GraceSeconds  int    `json:"grace_seconds"`
	Image         string `json:"image"`
}

// displayLinkJSON answers a request for a display link (fields in the
// order of the keys).
type displayLinkJSON struct {
	ExpiresAt string `json:"expires_at"`
	Path      string `json:"path"`
	URL       string `json:"url"`
}

// itemStepJSON is an item as the mini-program's activity page shows it.
type itemStepJSON struct {
	ID        int64  `json:"id"`
	Label     string `json:"label"`
	IsClockin bool   `json:"is_clockin"`
	OpenFrom  string `json:"open_from"`
	OpenTo    string `json:"open_to"`
}

// scannedJSON answers a clock-in by a scanned key: the record and the
// activity's name (the original's activity_name).
type scannedJSON struct {
	recordJSON
	ActivityName string `json:"activity_name"`
}
