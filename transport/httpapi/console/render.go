package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/operations"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages are the parsed templates: each page with the layout.
type pages map[string]*template.Template

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"timep": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"seconds": func(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) + " s" },
	"join":    strings.Join,
	"path":    func(s string) string { return urlPathEscape(s) },
	"parkedRows": func(rows []operations.ParkedEvent, back, csrf string) parkedTable {
		return parkedTable{Rows: rows, Back: back, CSRF: csrf}
	},
}

// parkedTable is the data of the "parkedtable" template.
type parkedTable struct {
	Rows []operations.ParkedEvent
	Back string
	CSRF string
}

func parsePages() (pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	out := pages{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

// page is what the layout gets: the page's own data in Data.
type page struct {
	Title    string
	Nav      string
	Operator string
	CSRF     string
	Flash    string
	Data     any
}

var titles = map[string]string{
	"login": "Log in", "error": "Error", "consumers": "Consumers", "consumer": "Consumer", "parked": "Parked events",
	"events": "Event browser", "state": "State at a position", "outlets": "Outlets", "outbox": "Outbox",
}

// show renders a page with status.
func (m *Module) show(c echo.Context, status int, name string, data any) error {
	t, ok := m.pages[name]
	if !ok {
		return fmt.Errorf("console: no page %q", name)
	}
	p := page{Title: titles[name], Nav: name, Operator: operator(c), CSRF: httpapi.CSRFToken(c), Flash: flash(c), Data: data}
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(status, b.Bytes())
}

type errorView struct {
	Status  int
	Message string
}

// render is the console's error table: a fault's status and message as an
// HTML page (a field's 400 names it); anything else a 500 page without its
// text (logged).
func (m *Module) render(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	err = httpapi.Classify(err)
	f, ok := fault.As(err)
	if !ok || f.Kind == fault.Internal {
		m.d.Logger.Error("console", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return m.show(c, http.StatusInternalServerError, "error", errorView{Status: 500, Message: "Internal server error: the server's log has the details."})
	}
	if f.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
	}
	msg := f.Message
	if f.Field != "" {
		msg = f.Field + ": " + f.Message
	}
	status := httpapi.StatusOf(f.Kind)
	if errors.Is(err, httpapi.ErrCSRF) {
		status = http.StatusForbidden
	}
	return m.show(c, status, "error", errorView{Status: status, Message: msg})
}

// static serves the embedded stylesheet and script.
func (m *Module) static(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	notFound := fault.New(fault.NotFound, "NO_SUCH_FILE", "No such file.")
	if strings.Contains(name, "..") || strings.Contains(name, "/") {
		return m.render(c, notFound)
	}
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		return m.render(c, notFound)
	}
	ct := "application/octet-stream"
	switch {
	case strings.HasSuffix(name, ".css"):
		ct = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		ct = "text/javascript; charset=utf-8"
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, ct, b)
}

// flash is the message a redirect after a POST left (?done=…): one of a
// fixed set, so nothing a link carries is shown as is.
func flash(c echo.Context) string {
	id := c.QueryParam("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		id = ""
	}
	switch c.QueryParam("done") {
	case "replayed":
		return "Parked event " + id + " replayed: it is no longer parked."
	case "skipped":
		return "Parked event " + id + " skipped."
	case "mail-replayed":
		return "Parked mail " + id + " sent again: it is no longer parked."
	case "rebuild":
		return "Rebuild started."
	}
	return ""
}
