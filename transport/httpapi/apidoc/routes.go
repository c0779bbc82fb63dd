package apidoc

import (
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5/static"
	"github.com/swaggest/swgui/v5emb"
)

// Paths of the documents and of the reference page.
const (
	// DocumentsPath lists the documents (JSON); DocumentsPath+<name>.json and
	// .yaml serve one.
	DocumentsPath = "/openapi/"
	// ReferencePath is the reference page: Swagger UI with every document
	// in its top bar (?urls.primaryName=<title> selects one).
	ReferencePath = "/api-docs/"
)

// Routes serves the set: the documents, their aliases and the reference
// page, to anyone (they describe the public APIs).
type Routes struct{ Set *Set }

// Mount implements httpapi.Routes.
func (r Routes) Mount(e *echo.Echo) {
	type entry struct {
		Name  string `json:"name"`
		Title string `json:"title"`
		JSON  string `json:"json"`
		YAML  string `json:"yaml"`
	}
	index := make([]entry, 0, len(r.Set.docs))
	urls := make([]string, 0, len(r.Set.docs))
	for _, d := range r.Set.docs {
		d := d
		js, yml := DocumentsPath+d.Name+".json", DocumentsPath+d.Name+".yaml"
		index = append(index, entry{Name: d.Name, Title: d.Title, JSON: js, YAML: yml})
		urls = append(urls, fmt.Sprintf("{url: %q, name: %q}", js, d.Title))
		serveJSON := func(c echo.Context) error {
			c.Response().Header().Set("Cache-Control", "no-cache")
			return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, d.JSON)
		}
		e.GET(js, serveJSON)
		for _, a := range d.Aliases {
			e.GET(a, serveJSON)
		}
		e.GET(yml, func(c echo.Context) error {
			c.Response().Header().Set("Cache-Control", "no-cache")
			return c.Blob(http.StatusOK, "application/yaml", d.YAML)
		})
	}
	e.GET(DocumentsPath, func(c echo.Context) error { return c.JSON(http.StatusOK, index) })
	first := ""
	if len(r.Set.docs) > 0 {
		first = DocumentsPath + r.Set.docs[0].Name + ".json"
	}
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "API reference",
		SwaggerJSON: first,
		BasePath:    ReferencePath,
		ShowTopBar:  true,
		SettingsUI:  map[string]string{"urls": "[" + strings.Join(urls, ", ") + "]"},
	})
	page := echo.WrapHandler(ui)
	e.GET(strings.TrimSuffix(ReferencePath, "/"), func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, ReferencePath)
	})
	e.GET(ReferencePath+"*", func(c echo.Context) error {
		if name := c.Param("*"); name != "" && !asset(name) {
			return echo.NewHTTPError(http.StatusNotFound, "the reference page has no file "+strconv.Quote(name))
		}
		return page(c)
	})
}

// asset reports whether the embedded Swagger UI has the file name (stored
// compressed or not), so that any other path answers the edge's JSON 404
// instead of the file server's text.
func asset(name string) bool {
	for _, n := range []string{name, name + ".gz"} {
		if _, err := fs.Stat(static.FS, n); err == nil {
			return true
		}
	}
	return false
}
