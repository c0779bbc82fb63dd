package roamio

import (
	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// renderError answers err in DRF's format with this API's 401 challenge.
func renderError(c echo.Context, err error) error {
	return drf.RenderError(c, err, identityauth.BearerChallenge)
}
