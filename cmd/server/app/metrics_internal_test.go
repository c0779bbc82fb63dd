package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/fiveapis/backend/domain/eventlog"
)

type fakeStore struct {
	eventlog.Store
	err error
}

func (f fakeStore) Append(context.Context, string, eventlog.ExpectedVersion, []eventlog.EventData) (eventlog.AppendResult, error) {
	return eventlog.AppendResult{}, f.err
}

type fakeHeadStore struct{ fakeStore }

func (fakeHeadStore) Head(context.Context) (eventlog.Position, error) {
	return eventlog.Position{Commit: 7}, nil
}

func TestInstrumentStore(t *testing.T) {
	m := newMetrics()
	plain := instrumentStore(fakeStore{}, m)
	if _, ok := eventlog.Capability[eventlog.HeadReader](plain); ok {
		t.Error("a store without Head gained one")
	}
	withHead := instrumentStore(fakeHeadStore{}, m)
	hr, ok := eventlog.Capability[eventlog.HeadReader](withHead)
	if !ok {
		t.Fatal("the wrapper hides Head")
	}
	if p, _ := hr.Head(context.Background()); p.Commit != 7 {
		t.Errorf("Head = %v", p)
	}
	ctx := context.Background()
	_, _ = plain.Append(ctx, "s-1", eventlog.Any(), make([]eventlog.EventData, 3))
	conflict := instrumentStore(fakeStore{err: &eventlog.WrongVersionError{Stream: "s-1", Expected: eventlog.NoStream()}}, m)
	_, _ = conflict.Append(ctx, "s-1", eventlog.NoStream(), nil)
	if got := counterValue(t, m.appends.WithLabelValues("ok")); got != 1 {
		t.Errorf("ok appends = %v", got)
	}
	if got := counterValue(t, m.appends.WithLabelValues("conflict")); got != 1 {
		t.Errorf("conflicts = %v", got)
	}
	if got := counterValue(t, m.appended); got != 3 {
		t.Errorf("appended events = %v", got)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestReadyzWaitsForTheStartUp: until the start-up tasks took effect the
// process is not ready, whatever its projections' lag.
func TestReadyzWaitsForTheStartUp(t *testing.T) {
	a := &App{started: make(chan struct{})}
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/readyz", nil), rec)
	if err := a.readyz(c); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"starting"`) {
		t.Fatalf("readyz before the start-up: %d %s", rec.Code, rec.Body)
	}
}
