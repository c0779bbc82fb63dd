package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi/operations"
)

func urlPathEscape(s string) string { return url.PathEscape(s) }

func (m *Module) home(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, Prefix+"/consumers/")
}

// consumerRow is one consumer as the pages show it.
type consumerRow struct {
	operations.ProjectionStatus
	// State is a word for the row: caught up, lagging, rebuilding, failing,
	// a job's schedule.
	State string
	// Percent is a rebuild's progress.
	Percent int
}

func rowOf(s operations.ProjectionStatus) consumerRow {
	r := consumerRow{ProjectionStatus: s}
	switch {
	case s.Kind == "job" && s.LastError != "":
		r.State = "failing"
	case s.Kind == "job":
		r.State = "scheduled"
	case s.LastError != "":
		r.State = "failing"
	case s.Rebuilding:
		r.State = "rebuilding"
		r.Percent = percent(s.RebuildCheckpoint, s.Head)
	case s.Parked > 0:
		r.State = "parked events"
	case s.Lag > 0:
		r.State = "lagging"
	default:
		r.State = "caught up"
	}
	return r
}

// percent is how far checkpoint is towards head (positions "commit/prepare").
func percent(checkpoint, head string) int {
	cp, err1 := eventlog.ParsePosition(checkpoint)
	hd, err2 := eventlog.ParsePosition(head)
	if err1 != nil || err2 != nil || hd.Commit == 0 || !cp.Less(hd) {
		return 100
	}
	return int(cp.Commit * 100 / hd.Commit)
}

type consumersView struct {
	Rows []consumerRow
}

func (m *Module) consumers(c echo.Context) error {
	st, err := m.d.Projections.Status(c.Request().Context())
	if err != nil {
		return err
	}
	v := consumersView{}
	for _, s := range st {
		v.Rows = append(v.Rows, rowOf(s))
	}
	return m.show(c, http.StatusOK, "consumers", v)
}

// find returns the named consumer's status (fault.NotFound: none).
func (m *Module) find(ctx context.Context, name string) (operations.ProjectionStatus, error) {
	st, err := m.d.Projections.Status(ctx)
	if err != nil {
		return operations.ProjectionStatus{}, err
	}
	for _, s := range st {
		if s.Name == name {
			return s, nil
		}
	}
	return operations.ProjectionStatus{}, fault.New(fault.NotFound, "UNKNOWN_CONSUMER", "No projection, reaction or job has that name.")
}

type consumerView struct {
	consumerRow
	ParkedEvents []operations.ParkedEvent
	Back         string
}

func (m *Module) consumer(c echo.Context) error {
	ctx := c.Request().Context()
	s, err := m.find(ctx, c.Param("name"))
	if err != nil {
		return err
	}
	v := consumerView{consumerRow: rowOf(s), Back: c.Request().URL.Path}
	if s.Kind != "job" {
		if v.ParkedEvents, err = m.d.Projections.Parked(ctx, s.Name); err != nil {
			return err
		}
	}
	return m.show(c, http.StatusOK, "consumer", v)
}

// progressView is a rebuild's progress, polled by the consumer page.
type progressView struct {
	Name              string `json:"name"`
	Rebuilding        bool   `json:"rebuilding"`
	ActiveGeneration  int    `json:"active_generation"`
	RebuildGeneration int    `json:"rebuild_generation,omitempty"`
	Checkpoint        string `json:"checkpoint"`
	Head              string `json:"head"`
	Percent           int    `json:"percent"`
}

func (m *Module) progress(c echo.Context) error {
	s, err := m.find(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	v := progressView{Name: s.Name, Rebuilding: s.Rebuilding, ActiveGeneration: s.ActiveGeneration,
		RebuildGeneration: s.RebuildGeneration, Checkpoint: s.Checkpoint, Head: s.Head, Percent: 100}
	if s.Rebuilding {
		v.Checkpoint, v.Percent = s.RebuildCheckpoint, percent(s.RebuildCheckpoint, s.Head)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

func (m *Module) rebuild(c echo.Context) error {
	name := c.Param("name")
	s, err := m.find(c.Request().Context(), name)
	if err != nil {
		return err
	}
	if s.Kind != "projector" {
		return fault.New(fault.Conflict, "NOT_A_PROJECTOR", "Only a projector is rebuilt; a reaction's checkpoint is moved with logctl reset-checkpoint.")
	}
	if err := m.d.Projections.Rebuild(c.Request().Context(), name); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/consumers/"+url.PathEscape(name)+"/?done=rebuild")
}

type parkedView struct {
	Consumer  string
	Consumers []string
	Parked    []operations.ParkedEvent
	Back      string
	Error     string
}

func (m *Module) parkedView(c echo.Context) (parkedView, error) {
	ctx := c.Request().Context()
	name := c.QueryParam("consumer")
	v := parkedView{Consumer: name, Back: c.Request().URL.RequestURI()}
	st, err := m.d.Projections.Status(ctx)
	if err != nil {
		return v, err
	}
	for _, s := range st {
		if s.Kind != "job" {
			v.Consumers = append(v.Consumers, s.Name)
		}
	}
	if name != "" && !slices.Contains(v.Consumers, name) {
		return v, fault.Invalidf("consumer", "no projection or reaction has that name")
	}
	v.Parked, err = m.d.Projections.Parked(ctx, name)
	return v, err
}

func (m *Module) parked(c echo.Context) error {
	v, err := m.parkedView(c)
	if err != nil {
		return err
	}
	return m.show(c, http.StatusOK, "parked", v)
}

func (m *Module) replayParked(c echo.Context) error {
	return m.onParked(c, m.d.Projections.ReplayParked, "replayed")
}

func (m *Module) skipParked(c echo.Context) error {
	return m.onParked(c, m.d.Projections.SkipParked, "skipped")
}

// onParked replays or skips a parked event and goes back to the page of
// the form (the form's "back"), saying what was done. An event that fails
// again stays parked: the parked page shows why (409).
func (m *Module) onParked(c echo.Context, op func(context.Context, int64) error, done string) error {
	id, err := formID(c)
	if err != nil {
		return err
	}
	if err := op(c.Request().Context(), id); err != nil {
		if !errors.Is(err, operations.ErrStillFailing) {
			return err
		}
		v, verr := m.parkedView(c)
		if verr != nil {
			return verr
		}
		v.Back = safeNext(c.FormValue("back"))
		v.Error = "Parked event " + strconv.FormatInt(id, 10) + " failed again and stays parked: " + cause(err)
		return m.show(c, http.StatusConflict, "parked", v)
	}
	return c.Redirect(http.StatusSeeOther, withDone(safeNext(c.FormValue("back")), done, id))
}

// cause is why a replayed event failed again: the consumer's error, which
// is what an operator needs to see (as the parked list shows it).
func cause(err error) string {
	if inner := errors.Unwrap(err); inner != nil {
		return inner.Error()
	}
	return "see the parked list"
}

// withDone adds ?done=…&id=… to a console path (dropping an earlier one).
func withDone(back, done string, id int64) string {
	u, err := url.Parse(back)
	if err != nil {
		return Prefix + "/"
	}
	q := u.Query()
	q.Set("done", done)
	q.Set("id", strconv.FormatInt(id, 10))
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// formID reads the positive integer :id.
func formID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Invalidf("id", "must be a positive integer")
	}
	return id, nil
}

type outletsView struct {
	SSE         []SSEConsumer
	Open        []OpenStream
	OpenKnown   bool
	JetStream   *JetStream
	Publisher   *consumerRow
	JSConsumers []JetStreamConsumer
	JSError     string
}

func (m *Module) outlets(c echo.Context) error {
	ctx := c.Request().Context()
	o := m.d.Outlets
	v := outletsView{SSE: o.SSEConsumers, JetStream: o.JetStream}
	if o.SSEOpen != nil {
		v.Open, v.OpenKnown = o.SSEOpen(), true
	}
	if js := o.JetStream; js != nil {
		if s, err := m.find(ctx, js.Reaction); err == nil {
			r := rowOf(s)
			v.Publisher = &r
		}
		if js.Consumers != nil {
			cs, err := js.Consumers(ctx)
			if err != nil {
				m.d.Logger.Warn("console: JetStream consumers", "err", err)
				v.JSError = "The NATS server could not be asked for the stream's consumers (the server's log has why)."
			}
			v.JSConsumers = cs
		}
	}
	return m.show(c, http.StatusOK, "outlets", v)
}

type outboxView struct {
	Mail       []consumerRow
	ParkedMail []operations.ParkedMail
	Webhook    []consumerRow
	Deliveries []WebhookDelivery
	Back       string
	Error      string
}

func (m *Module) outboxView(c echo.Context) (outboxView, error) {
	ctx := c.Request().Context()
	v := outboxView{Back: c.Request().URL.Path}
	st, err := m.d.Projections.Status(ctx)
	if err != nil {
		return v, err
	}
	for _, s := range st {
		switch {
		case m.d.MailPrefix != "" && strings.HasPrefix(s.Name, m.d.MailPrefix):
			v.Mail = append(v.Mail, rowOf(s))
		case slices.Contains(m.d.Webhook, s.Name):
			v.Webhook = append(v.Webhook, rowOf(s))
		}
	}
	if m.d.Mail != nil {
		if v.ParkedMail, err = m.d.Mail.ParkedMail(ctx, ""); err != nil {
			return v, err
		}
	}
	if m.d.Webhooks != nil {
		if v.Deliveries, err = m.d.Webhooks.RecentDeliveries(ctx, 100); err != nil {
			return v, err
		}
	}
	return v, nil
}

func (m *Module) outbox(c echo.Context) error {
	v, err := m.outboxView(c)
	if err != nil {
		return err
	}
	return m.show(c, http.StatusOK, "outbox", v)
}

func (m *Module) replayMail(c echo.Context) error {
	id, err := formID(c)
	if err != nil {
		return err
	}
	if m.d.Mail == nil {
		return fault.New(fault.NotFound, "NO_MAIL", "No mail is configured.")
	}
	if err := m.d.Mail.ReplayMail(c.Request().Context(), id); err != nil {
		if !errors.Is(err, operations.ErrStillFailing) {
			return err
		}
		v, verr := m.outboxView(c)
		if verr != nil {
			return verr
		}
		v.Error = "Mail " + strconv.FormatInt(id, 10) + " failed again and stays parked: " + cause(err)
		return m.show(c, http.StatusConflict, "outbox", v)
	}
	return c.Redirect(http.StatusSeeOther, withDone(Prefix+"/outbox/", "mail-replayed", id))
}
