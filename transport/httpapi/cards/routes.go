package cards

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// Mount implements httpapi.Routes: every route of the card API with its
// middleware. Paths ending in a slash are also served without it; a method a
// path does not list answers METHOD_NOT_ALLOWED (405, with Allow), and a path
// under the prefix that matches no route NOT_FOUND, both in 002's envelope.
func (m *Module) Mount(e *echo.Echo) {
	r := httpapi.NewRouter(e, Prefix, m.render)
	user, admin := r.With(m.requireUser()), r.With(m.requireAdmin())

	user.GET("/templates/", m.listTemplates)
	admin.POST("/templates/", m.createTemplate)
	onlyMethods(r, "/templates/", http.MethodGet, http.MethodPost)

	user.GET("/templates/:id/", m.getTemplate)
	admin.PUT("/templates/:id/", m.putTemplate)
	admin.PATCH("/templates/:id/", m.patchTemplate)
	admin.DELETE("/templates/:id/", m.deleteTemplate)
	onlyMethods(r, "/templates/:id/", http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete)

	user.GET("/batches/", m.listBatches)
	admin.POST("/batches/", m.createBatch)
	onlyMethods(r, "/batches/", http.MethodGet, http.MethodPost)

	user.GET("/batches/:id/", m.getBatch)
	admin.PUT("/batches/:id/", m.putBatch)
	admin.PATCH("/batches/:id/", m.patchBatch)
	admin.DELETE("/batches/:id/", m.deleteBatch)
	onlyMethods(r, "/batches/:id/", http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete)

	admin.POST("/batches/:id/publish/", m.publishBatch)
	onlyMethods(r, "/batches/:id/publish/", http.MethodPost)
	admin.POST("/batches/:id/unpublish/", m.unpublishBatch)
	onlyMethods(r, "/batches/:id/unpublish/", http.MethodPost)
	admin.POST("/batches/:id/generate_qrcodes/", m.generateQRCodes)
	onlyMethods(r, "/batches/:id/generate_qrcodes/", http.MethodPost)

	user.GET("/cards/", m.listCards)
	admin.POST("/cards/", m.addCard)
	onlyMethods(r, "/cards/", http.MethodGet, http.MethodPost)
	user.POST("/cards/use/", m.useCard)
	onlyMethods(r, "/cards/use/", http.MethodPost)
	user.GET("/cards/:id/", m.getCard)
	onlyMethods(r, "/cards/:id/", http.MethodGet)

	user.GET("/user/cards/", m.userCards)
	onlyMethods(r, "/user/cards/", http.MethodGet)
	user.GET("/category/:category/", m.byCategory)
	onlyMethods(r, "/category/:category/", http.MethodGet)
	admin.GET("/statistics/", m.statistics)
	onlyMethods(r, "/statistics/", http.MethodGet)

	// Public: the signed link, the code and the document are their own
	// credentials.
	r.GET("/downloads/batches/:id/qrcodes.zip", m.download)
	onlyMethods(r, "/downloads/batches/:id/qrcodes.zip", http.MethodGet)
	r.GET("/qr/:file", m.qrImage)
	onlyMethods(r, "/qr/:file", http.MethodGet)
	// GET /openapi.json is package apidoc's (the document's x-served-at).
	onlyMethods(r, "/openapi.json", http.MethodGet)

	e.RouteNotFound(Prefix+"/*", r.Handle(func(echo.Context) error { return errRoute }))
}

// onlyMethods answers the methods the card API routes (GET, POST, PUT, PATCH,
// DELETE; Echo answers the others itself) that a path does not list with
// METHOD_NOT_ALLOWED and an Allow header naming the listed ones, whoever
// asks (no authentication first).
func onlyMethods(r httpapi.Router, path string, allowed ...string) {
	allow := strings.Join(allowed, ", ")
	notAllowed := func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderAllow, allow)
		return errMethod.With(map[string]any{"allowed_methods": allow})
	}
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if !slices.Contains(allowed, method) {
			r.NotAllowed(method, path, notAllowed)
		}
	}
}
