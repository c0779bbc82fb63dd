// Package roamio is the dialect of the Roamio API of 000 (/api/v1/): Django
// REST framework's answers with simplejwt's refusals (the JWT dialect of
// identityauth), and Roamio's own {"success": false, "error": …} shapes
// where its endpoints answer them. Its contexts are sub-packages
// (accounts: auth, verification codes, QQ, users).
package roamio

import (
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Prefix is the Roamio API's path prefix.
const Prefix = "/api/v1"

// Routes returns the router of Roamio's paths: each with and without its
// trailing slash, errors written by Render.
func Routes(e *echo.Echo) httpapi.Router { return httpapi.NewRouter(e, Prefix, Render) }

// User is Roamio's authentication middleware: a request without a caller
// gets 401 in simplejwt's or DRF's words.
func User(next httpapi.Handler) httpapi.Handler { return identityauth.User(next) }

// Admin is Roamio's middleware for administrators' routes: 401 as User
// without a caller, DRF's 403 for another user.
func Admin(next httpapi.Handler) httpapi.Handler { return identityauth.Admin(next) }
