package ralendar

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Refusal is Ralendar's own refusal: {"error": Message} with Status, and,
// when Field is set, the message under the field too, as DRF would name it.
type Refusal struct {
	Status  int
	Message string
	Field   string
}

func (r Refusal) Error() string { return strconv.Itoa(r.Status) + ": " + r.Message }

// Render is Ralendar's error table: its Refusals, and everything else as
// the JWT APIs answer (identityauth.RenderJWT): DRF's fields and details,
// simplejwt's token_not_valid, DRF's throttling (429 with Retry-After) for
// too many password attempts, 500 for the unclassified.
func Render(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	var r Refusal
	if errors.As(err, &r) {
		body := map[string]any{"error": r.Message}
		if r.Field != "" {
			body[r.Field] = []string{r.Message}
		}
		return c.JSON(r.Status, body)
	}
	return identityauth.RenderJWT(c, err)
}
