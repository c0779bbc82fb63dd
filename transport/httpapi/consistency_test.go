package httpapi_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// TestServerTimingAppendsSteps: each step is one "<name>;dur=<ms>" entry,
// in milliseconds with three decimals, after the ones already set.
func TestServerTimingAppendsSteps(t *testing.T) {
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest("POST", "/", nil), rec)
	httpapi.ServerTiming(c, "cmd", 1234567*time.Nanosecond)
	httpapi.ServerTiming(c, "ryw", 500*time.Microsecond)
	if got, want := rec.Header().Get(httpapi.HeaderServerTiming), "cmd;dur=1.234, ryw;dur=0.500"; got != want {
		t.Errorf("Server-Timing %q, want %q", got, want)
	}
}
