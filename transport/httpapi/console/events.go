package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/replay"
)

// Limits of the event browser: a page shows up to maxLimit events and one
// request reads at most scanBudget events of the log (filters the store
// cannot apply, correlation id and time, are applied as it reads); a page
// that ran out of budget links to where it stopped.
const (
	defaultLimit = 50
	maxLimit     = 500
	scanBudget   = 5000
	readPage     = 500
	// maxStateEvents caps the events of a stream the state page replays.
	maxStateEvents = 10000
	maxParamLen    = 300
)

// filters are the event browser's query parameters, checked.
type filters struct {
	Stream      string
	Category    string
	Type        string
	Correlation string
	Since       string
	Before      string
	After       string
	From        string
	Limit       int

	cats, types   []string
	since, before time.Time
	after         eventlog.Position
	from          uint64
}

// parseFilters reads and checks the query; a bad parameter is a 400
// naming it.
func parseFilters(c echo.Context) (filters, error) {
	q := c.QueryParams()
	f := filters{Stream: q.Get("stream"), Category: q.Get("category"), Type: q.Get("type"), Correlation: q.Get("correlation"),
		Since: q.Get("since"), Before: q.Get("before"), After: q.Get("after"), From: q.Get("from"), Limit: defaultLimit}
	for name, v := range map[string]string{"stream": f.Stream, "category": f.Category, "type": f.Type, "correlation": f.Correlation} {
		if len(v) > maxParamLen {
			return f, fault.Invalidf(name, "is too long: at most %d characters", maxParamLen)
		}
	}
	for _, cat := range splitList(f.Category) {
		if !eventlog.ValidCategory(cat) {
			return f, fault.Invalidf("category", "%q is not a category (lowercase letters and digits)", cat)
		}
		f.cats = append(f.cats, cat)
	}
	for _, t := range splitList(f.Type) {
		if !validType(t) {
			return f, fault.Invalidf("type", "%q is not an event type (letters, digits and _ . -)", t)
		}
		f.types = append(f.types, t)
	}
	var err error
	if f.Since != "" {
		if f.since, err = parseTime(f.Since); err != nil {
			return f, fault.Invalidf("since", "want a time such as 2026-01-02T15:04:05Z or a date 2026-01-02")
		}
	}
	if f.Before != "" {
		if f.before, err = parseTime(f.Before); err != nil {
			return f, fault.Invalidf("before", "want a time such as 2026-01-02T15:04:05Z or a date 2026-01-02")
		}
	}
	if f.After != "" {
		if f.after, err = parsePosition(f.After); err != nil {
			return f, fault.Invalidf("after", "want a position of the log such as 42 or 42/42")
		}
	}
	if f.From != "" {
		if f.from, err = strconv.ParseUint(f.From, 10, 64); err != nil {
			return f, fault.Invalidf("from", "want a stream version (0 or more)")
		}
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return f, fault.Invalidf("limit", "want a number from 1 to %d", maxLimit)
		}
		f.Limit = n
	}
	return f, nil
}

// parsePosition is eventlog.ParsePosition for the strict forms "42" and
// "42/42" only.
func parsePosition(s string) (eventlog.Position, error) {
	c, p, found := strings.Cut(s, "/")
	cv, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return eventlog.Position{}, err
	}
	if !found {
		return eventlog.Position{Commit: cv, Prepare: cv}, nil
	}
	pv, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return eventlog.Position{}, err
	}
	return eventlog.Position{Commit: cv, Prepare: pv}, nil
}

func validType(t string) bool {
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return t != ""
}

func parseTime(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// match applies what the store does not filter.
func (f filters) match(ev eventlog.RecordedEvent, meta eventlog.Metadata) bool {
	if len(f.cats) > 0 && !contains(f.cats, ev.Category()) || len(f.types) > 0 && !contains(f.types, ev.Type) {
		return false
	}
	if !f.since.IsZero() && ev.RecordedAt.Before(f.since) || !f.before.IsZero() && !ev.RecordedAt.Before(f.before) {
		return false
	}
	return f.Correlation == "" || meta.CorrelationID == f.Correlation
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// eventRow is one event of the browser.
type eventRow struct {
	eventlog.RecordedEvent
	Meta     eventlog.Metadata
	DataText string
	MetaText string
}

func rowOfEvent(ev eventlog.RecordedEvent) eventRow {
	r := eventRow{RecordedEvent: ev, DataText: pretty(ev.Data), MetaText: pretty(ev.Metadata)}
	_ = json.Unmarshal(ev.Metadata, &r.Meta) // metadata the codec wrote; an odd one shows as text
	return r
}

// pretty indents JSON, its secrets (password hashes, tokens) redacted;
// anything else is shown as text, if it is text.
func pretty(b []byte) string {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&v) == nil {
		if out, err := json.MarshalIndent(redact(v), "", "  "); err == nil {
			return string(out)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return "(" + strconv.Itoa(len(b)) + " bytes, not text)"
}

type eventsView struct {
	F        filters
	Rows     []eventRow
	Scanned  int
	Next     string
	Stopped  bool
	NotFound bool
}

func (m *Module) events(c echo.Context) error {
	f, err := parseFilters(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := eventsView{F: f}
	keep := func(ev eventlog.RecordedEvent) bool {
		v.Scanned++
		var meta eventlog.Metadata
		if f.Correlation != "" {
			_ = json.Unmarshal(ev.Metadata, &meta)
		}
		if f.match(ev, meta) {
			v.Rows = append(v.Rows, rowOfEvent(ev))
		}
		return len(v.Rows) < f.Limit && v.Scanned < scanBudget
	}
	next := url.Values{}
	for k, val := range map[string]string{"stream": f.Stream, "category": f.Category, "type": f.Type, "correlation": f.Correlation,
		"since": f.Since, "before": f.Before} {
		if val != "" {
			next.Set(k, val)
		}
	}
	if f.Limit != defaultLimit {
		next.Set("limit", strconv.Itoa(f.Limit))
	}
	stopped := false
	if f.Stream != "" {
		from := f.from
		for !stopped {
			evs, err := m.d.Log.ReadStream(ctx, f.Stream, eventlog.ReadStreamOptions{From: from, Max: readPage})
			if errors.Is(err, eventlog.ErrStreamNotFound) {
				v.NotFound = true
				break
			}
			if err != nil {
				return err
			}
			for _, ev := range evs {
				from = ev.Version + 1
				if stopped = !keep(ev); stopped {
					break
				}
			}
			if len(evs) < readPage {
				break
			}
		}
		next.Set("from", strconv.FormatUint(from, 10))
	} else {
		after := f.after
		storeFilter := eventlog.Filter{Categories: f.cats, EventTypes: f.types}
		for !stopped {
			evs, err := m.d.Log.ReadAll(ctx, eventlog.ReadAllOptions{After: after, Filter: storeFilter, Max: readPage})
			if err != nil {
				return err
			}
			for _, ev := range evs {
				after = ev.Position
				if stopped = !keep(ev); stopped {
					break
				}
			}
			if len(evs) < readPage {
				break
			}
		}
		next.Set("after", after.String())
	}
	if stopped {
		// A full page, or the budget spent: the next page starts after the
		// last event read.
		v.Next, v.Stopped = Prefix+"/events/?"+next.Encode(), len(v.Rows) < f.Limit
	}
	return m.show(c, http.StatusOK, "events", v)
}

type stateView struct {
	Stream    string
	Version   string
	At        string
	State     replay.State
	StateText string
	Event     eventRow
	Timeline  []eventlog.RecordedEvent
	More      bool
}

// state shows an aggregate's state after a version of its stream (or as of
// a time), replayed through the domain, with the stream's events to step
// through.
func (m *Module) state(c echo.Context) error {
	q := c.QueryParams()
	v := stateView{Stream: q.Get("stream"), Version: q.Get("version"), At: q.Get("at")}
	if v.Stream == "" {
		return fault.Invalidf("stream", "is required: the aggregate's stream, e.g. user-7")
	}
	if len(v.Stream) > maxParamLen {
		return fault.Invalidf("stream", "is too long: at most %d characters", maxParamLen)
	}
	until := replay.Latest()
	if v.Version != "" {
		n, err := strconv.ParseUint(v.Version, 10, 64)
		if err != nil {
			return fault.Invalidf("version", "want a stream version (0 or more)")
		}
		until.Version = n
	}
	if v.At != "" {
		t, err := parseTime(v.At)
		if err != nil {
			return fault.Invalidf("at", "want a time such as 2026-01-02T15:04:05Z or a date 2026-01-02")
		}
		until.At = t
	}
	ctx := c.Request().Context()
	var envs []eventlog.Envelope
	var from uint64
	for {
		evs, err := m.d.Log.ReadStream(ctx, v.Stream, eventlog.ReadStreamOptions{From: from, Max: readPage})
		if errors.Is(err, eventlog.ErrStreamNotFound) {
			return fault.New(fault.NotFound, "NO_STREAM", "The log has no stream of that name.")
		}
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if len(v.Timeline) >= maxStateEvents {
				v.More = true
				break
			}
			v.Timeline = append(v.Timeline, ev)
			if until.Includes(ev) && len(envs) == len(v.Timeline)-1 {
				env, err := m.d.Decoder.Decode(ev)
				if err != nil {
					return err
				}
				envs = append(envs, env)
			}
		}
		if len(evs) < readPage || v.More {
			break
		}
		from = evs[len(evs)-1].Version + 1
	}
	st, err := replay.Fold(v.Stream, envs)
	if errors.Is(err, replay.ErrNoEvents) {
		return fault.New(fault.NotFound, "NO_EVENTS", "The stream has no events at that version or time.")
	}
	if err != nil {
		return err
	}
	v.State = st
	if st.State != nil {
		b, err := json.MarshalIndent(st.State, "", "  ")
		if err != nil {
			return err
		}
		v.StateText = string(b)
	} else {
		v.StateText = pretty(st.LastEvent)
	}
	v.Event = rowOfEvent(envs[len(envs)-1].Recorded)
	return m.show(c, http.StatusOK, "state", v)
}

// redact replaces the values of keys that name a secret.
func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretKey(k) {
				x[k] = "[redacted]"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "secret", "token", "code_hash", "key_hash"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
