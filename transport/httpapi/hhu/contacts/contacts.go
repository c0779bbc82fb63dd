package contactshttp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	contactscmd "github.com/fiveapis/backend/commands/contacts"
	"github.com/fiveapis/backend/domain/access"
	contactsq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// listContacts: GET /contacts/?my=yes|no&search=&page= → DRF page
// {count, next, previous, results} of address-book entries, 20 a page, by
// user id; to the mini-program (hhu.MiniProgram) the bare list it reads.
func (h *Handlers) listContacts(c echo.Context) error {
	me, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	errs := drf.FieldErrors{}
	my := strings.ToLower(strings.TrimSpace(c.QueryParam("my")))
	if my != "" && my != "yes" && my != "no" {
		errs.Add("my", `"`+c.QueryParam("my")+`" is not a valid choice.`)
	}
	if len([]rune(c.QueryParam("search"))) > 100 {
		errs.Add("search", "Ensure this field has no more than 100 characters.")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if hhu.MiniProgram(c) {
		return h.miniProgramContacts(c, me, my == "yes")
	}
	page, err := hhu.PageNumber(c)
	if err != nil {
		return err
	}
	list := contactsq.ListContacts{Viewer: me, ViewerIsAdmin: httpapi.Actor(c).Admin, OnlyColleagues: my == "yes", Search: c.QueryParam("search"),
		Page: max(page, 1), PageSize: PageSize}
	ctx := c.Request().Context()
	res, err := h.d.Queries.ListContacts(ctx, list)
	if err == nil && page == 0 {
		if page = max(1, (res.Total+PageSize-1)/PageSize); page > 1 {
			list.Page = page
			res, err = h.d.Queries.ListContacts(ctx, list)
		}
	}
	if errors.Is(err, contactsq.ErrNotMember) {
		return access.ErrForbidden
	}
	if err != nil {
		return err
	}
	if len(res.Contacts) == 0 && page > 1 {
		return hhu.ErrInvalidPage
	}
	return c.JSON(http.StatusOK, contactsPage{
		Count: res.Total, Next: hhu.PageLink(c, page+1, PageSize, res.Total),
		Previous: hhu.PageLink(c, page-1, PageSize, res.Total), Results: entries(res.Contacts, hhu.NewAlphabet()),
	})
}

// MaxMiniProgramContacts bounds the mini-program's address book, which is
// one bare list (the original's ContactViewset has no pagination): a
// college's staff.
const MaxMiniProgramContacts = 2000

// miniProgramContacts answers the mini-program: every matching entry in one
// bare list, by alpha, in its names.
func (h *Handlers) miniProgramContacts(c echo.Context, me int64, onlyColleagues bool) error {
	res, err := h.d.Queries.ListContacts(c.Request().Context(), contactsq.ListContacts{Viewer: me, ViewerIsAdmin: httpapi.Actor(c).Admin,
		OnlyColleagues: onlyColleagues, Search: c.QueryParam("search"), Page: 1, PageSize: MaxMiniProgramContacts})
	if errors.Is(err, contactsq.ErrNotMember) {
		return access.ErrForbidden
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, miniProgramEntries(res.Contacts))
}

// colleague reads the route's user: an active, not erased user (else
// ErrNotFound).
func (h *Handlers) colleague(c echo.Context, me int64) (contactsq.Contact, error) {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return contactsq.Contact{}, err
	}
	x, err := h.d.Queries.ContactOf(c.Request().Context(), me, id)
	if errors.Is(err, contactsq.ErrNotFound) {
		return x, hhu.ErrNotFound
	}
	return x, err
}

// addColleague: POST /friends/{id}/ → 201 with the colleague's entry, 200
// when they already were one; 404 for an unknown user, 400 for oneself.
func (h *Handlers) addColleague(c echo.Context) error { return h.setColleague(c, true) }

// removeColleague: DELETE /friends/{id}/ → 204, whether or not they were a
// colleague; 404 for an unknown user.
func (h *Handlers) removeColleague(c echo.Context) error { return h.setColleague(c, false) }

func (h *Handlers) setColleague(c echo.Context, add bool) error {
	me, err := hhu.CallerID(c)
	if err != nil {
		return err
	}
	x, err := h.colleague(c, me)
	if err != nil {
		return err
	}
	cmd := contactscmd.SetColleague{Actor: httpapi.Actor(c), ColleagueID: x.UserID, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}
	run := h.d.Commands.RemoveColleague
	if add {
		run = h.d.Commands.AddColleague
	}
	res, err := run(c.Request().Context(), cmd)
	if err != nil {
		return err
	}
	if !add {
		return c.NoContent(http.StatusNoContent)
	}
	x.IsColleague = true
	status := http.StatusOK
	if res.Changed {
		status = http.StatusCreated
	}
	return c.JSON(status, toAddressBookEntry(x))
}
