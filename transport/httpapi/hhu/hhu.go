// Package hhu holds the dialect of 001's API (HHU teachers' micro-services,
// the Django REST Framework back end of a WeChat mini-program): its error
// table (Render), its authentication middleware (User, Admin: DRF's
// TokenAuthentication and IsAdminUser), its request decoding and DRF's
// pagination, and the admin routes of named rows that several contexts
// share. Each context is a sub-package (account, contacts, rooms, guides,
// repairs, activities, clockin) with its routes, handlers and DTOs.
package hhu

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// Clock tells the time events are stamped with.
type Clock interface{ Now() time.Time }

// Routes returns a Router in this API's dialect for the paths from the root:
// each path with and without its trailing slash, errors answered by Render.
func Routes(e *echo.Echo) httpapi.Router { return httpapi.NewRouter(e, "", Render) }
