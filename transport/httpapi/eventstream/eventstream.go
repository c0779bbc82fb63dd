// Package eventstream serves the event log to consumers outside the process
// as Server-Sent Events: GET /events/stream. Each event is one SSE message
// whose id is the event's global position, so a client that reconnects with
// Last-Event-ID resumes right after the last event it received: in log order,
// nothing skipped, nothing repeated. Events are shown in their newest version
// (upcast), in the JSON form of eventlog.JSONEvent (docs/consumers.md).
//
// Who may read: admin principals (every category) and consumers presenting a
// configured key (X-Consumer-Key header, or ?key= for EventSource clients
// that cannot set headers), each limited to its configured categories.
package eventstream

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Consumer is a configured analytics consumer: its name (for logs), its key
// and the categories it may read (empty: all).
type Consumer struct {
	Name       string
	Key        string
	Categories []string
}

// ConsumerForms returns an event as consumers outside the process may see
// it: its newest version without secrets and personal data (the codec's
// ConsumerForm, see eventlog.HiddenFromConsumers).
type ConsumerForms interface {
	ConsumerForm(eventlog.RecordedEvent) (eventlog.RecordedEvent, error)
}

// DefaultKeepAlive is how often an idle stream sends an SSE comment.
const DefaultKeepAlive = 15 * time.Second

// Module mounts GET /events/stream.
type Module struct {
	Store     eventlog.Store
	Forms     ConsumerForms
	Consumers []Consumer
	// KeepAlive is the interval of ": keep-alive" comments (default DefaultKeepAlive).
	KeepAlive time.Duration
	// Done, when closed, ends every open stream (server shutdown).
	Done <-chan struct{}
	// Live, when set, keeps the streams open in this process (operators).
	Live *Live
}

// Mount implements httpapi.Routes.
func (m Module) Mount(e *echo.Echo) {
	e.GET("/events/stream", m.stream)
}

// allowed returns the categories the caller may read (nil: all) or an error
// answer.
func (m Module) allowed(c echo.Context) (all bool, cats []string, name string, err error) {
	key := c.Request().Header.Get("X-Consumer-Key")
	if key == "" {
		key = c.QueryParam("key")
	}
	if key != "" {
		for _, k := range m.Consumers {
			if k.Key != "" && subtle.ConstantTimeCompare([]byte(k.Key), []byte(key)) == 1 {
				return len(k.Categories) == 0, k.Categories, k.Name, nil
			}
		}
		return false, nil, "", c.JSON(http.StatusUnauthorized, map[string]string{"detail": "unknown consumer key"})
	}
	p, ok := authn.From(c)
	if !ok {
		return false, nil, "", c.JSON(http.StatusUnauthorized, map[string]string{"detail": "authentication credentials were not provided or are invalid"})
	}
	if !p.IsAdmin {
		return false, nil, "", c.JSON(http.StatusForbidden, map[string]string{"detail": "only admins and configured consumers may read the event stream"})
	}
	return true, nil, "admin:" + p.Username, nil
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

func (m Module) stream(c echo.Context) error {
	all, allowedCats, name, err := m.allowed(c)
	if err != nil || c.Response().Committed {
		return err
	}
	var after eventlog.Position
	from := c.Request().Header.Get("Last-Event-ID")
	if from == "" {
		from = c.QueryParam("after")
	}
	if from != "" {
		p, err := eventlog.ParsePosition(from)
		if err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"detail": "Last-Event-ID / after: want a position such as 42 or 42/42"})
		}
		after = p
	}
	cats := splitList(c.QueryParam("category"))
	if !all {
		if len(cats) == 0 {
			cats = allowedCats
		}
		for _, cat := range cats {
			if !slices.Contains(allowedCats, cat) {
				return c.JSON(http.StatusForbidden, map[string]string{"detail": fmt.Sprintf("category %q is not configured for this consumer", cat)})
			}
		}
	}
	types := splitList(c.QueryParam("type"))

	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	if m.Done != nil {
		go func() {
			select {
			case <-m.Done:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	sub, err := m.Store.SubscribeAll(ctx, eventlog.SubscribeOptions{After: after, Filter: eventlog.Filter{Categories: cats}})
	if err != nil {
		return fmt.Errorf("event stream: subscribe: %w", err)
	}
	defer sub.Close()

	// A stream outlives the server's write timeout; it ends when its client
	// goes or the server stops.
	if err := httpapi.LiftWriteDeadline(c); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	live := m.Live.add(OpenStream{Consumer: name, Categories: cats, Since: time.Now()})
	defer m.Live.remove(live)
	if _, err := fmt.Fprintf(w, "retry: 2000\n: from %s\n\n", after); err != nil {
		return nil
	}
	w.Flush()

	type received struct {
		ev  eventlog.RecordedEvent
		err error
	}
	events := make(chan received, 64)
	go func() {
		for {
			ev, err := sub.Recv(ctx)
			select {
			case events <- received{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	keepAlive := m.KeepAlive
	if keepAlive <= 0 {
		keepAlive = DefaultKeepAlive
	}
	ticker := time.NewTicker(keepAlive)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			w.Flush()
		case r := <-events:
			if r.err != nil {
				if ctx.Err() != nil || errors.Is(r.err, eventlog.ErrSubscriptionClosed) {
					return nil
				}
				// The client reconnects with Last-Event-ID and resumes.
				_, _ = fmt.Fprintf(w, "event: error\ndata: %q\n\n", "subscription failed; reconnect with Last-Event-ID")
				w.Flush()
				return nil
			}
			ev := r.ev
			if m.Forms != nil {
				up, err := m.Forms.ConsumerForm(ev)
				if err != nil {
					// The decoding error names the store's internals; the
					// consumer learns which event it cannot be given.
					_, _ = fmt.Fprintf(w, "event: error\ndata: %q\n\n", "the event at "+ev.Position.String()+" cannot be read in its current form")
					w.Flush()
					return nil
				}
				ev = up
			}
			if len(types) > 0 && !slices.Contains(types, ev.Type) {
				continue
			}
			b, err := json.Marshal(eventlog.ToJSON(ev))
			if err != nil {
				return nil
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.Position, ev.Type, b); err != nil {
				return nil
			}
			m.Live.sent(live, ev.Position.String())
			if len(events) == 0 {
				w.Flush()
			}
		}
	}
}
