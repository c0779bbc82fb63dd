package activitieshttp

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/enrollment"
	activitiesq "github.com/fiveapis/backend/queries/activities"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// records: GET /api/admin/hhu/activities/{id}/enrollments/?filter=&page= →
// the activity's enrollment records (报名记录) that match the filter
// expression over their clock-in labels ("签到了但未签退"), 20 a page. A
// malformed filter is not an error: it matches nothing, and filter_error
// says why.
func (h *Handlers) records(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	page, err := pageParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := h.d.Queries.GetActivity(ctx, id); errors.Is(err, activitiesq.ErrNotFound) {
		return hhu.ErrNotFound
	} else if err != nil {
		return err
	}
	expr := c.QueryParam("filter")
	filter := enrollment.Compile(expr)
	recs, err := h.d.Queries.Records(ctx, id)
	if err != nil {
		return err
	}
	clocked, labels := map[int64][]string{}, []string{}
	if h.d.ClockIns != nil {
		if clocked, err = h.d.ClockIns.ClockedLabels(ctx, id); err != nil {
			return err
		}
		if labels, err = h.d.ClockIns.Labels(ctx, id); err != nil {
			return err
		}
	}
	matched := make([]recordJSON, 0, len(recs))
	for _, r := range recs {
		got := slices.Clone(clocked[r.UserID])
		if !filter.MatchLabels(got...) {
			continue
		}
		if got == nil {
			got = []string{}
		}
		slices.Sort(got)
		answers := r.Answers
		if answers == nil {
			answers = map[string]any{}
		}
		matched = append(matched, recordJSON{ID: r.ID, Activity: r.ActivityID, Answers: answers, Created: h.ts(r.CreatedAt), ClockIns: got,
			User: enrolleeJSON{ID: r.UserID, Username: r.User.Username, Email: r.User.Email, Name: r.User.Name, Mobile: r.User.Mobile, Phone: r.User.Phone}})
	}
	from := min(int64(page.Number-1)*int64(page.Size), int64(len(matched)))
	to := min(from+int64(page.Size), int64(len(matched)))
	pg, err := newDRFPage(c, page, int64(len(matched)), matched[from:to])
	if err != nil {
		return err
	}
	out := recordsJSON{drfPage: pg, Filter: expr, Labels: labels}
	if ferr := filter.Err(); ferr != nil {
		msg := strings.TrimPrefix(ferr.Error(), "enrollment: ")
		out.FilterError = &msg
	}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	return c.JSON(http.StatusOK, out)
}
