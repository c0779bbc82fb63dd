package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
)

// metrics are the server's Prometheus metrics, served at GET /metrics. They
// are taken at the edges: a decorator around the event store (appends,
// conflicts), Echo middleware (request latency; commands are the non-GET
// requests) and, at scrape time, the projection engine's status (lag,
// parked events). Each App has its own registry.
type metrics struct {
	reg       *prometheus.Registry
	appends   *prometheus.CounterVec
	appended  prometheus.Counter
	appendDur prometheus.Histogram
	requests  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fiveapis_eventstore_appends_total",
			Help: "Appends to the event log by result: ok, conflict (wrong expected version), error.",
		}, []string{"result"}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fiveapis_eventstore_appended_events_total",
			Help: "Events appended to the event log.",
		}),
		appendDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fiveapis_eventstore_append_duration_seconds",
			Help:    "Duration of appends to the event log.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fiveapis_http_request_duration_seconds",
			Help:    "HTTP request latency by kind (command: POST/PUT/PATCH/DELETE, query: GET/HEAD), method, route and status.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"kind", "method", "route", "status"}),
	}
	// The Go collector adds the scheduler's metrics to its defaults: among
	// them go_sched_latencies_seconds, how long goroutines made runnable
	// waited for a core, which tells a server short of CPU from one waiting
	// on PostgreSQL (the load generator reports it for the mixed workload).
	goRuntime := collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler))
	m.reg.MustRegister(m.appends, m.appended, m.appendDur, m.requests,
		goRuntime, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{"ok", "conflict", "error"} {
		m.appends.WithLabelValues(r)
	}
	return m
}

// middleware observes every request's latency.
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		var he *echo.HTTPError
		if err != nil && errors.As(err, &he) {
			status = he.Code
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		if route == "/events/stream" || route == "/metrics" {
			return err
		}
		kind := "command"
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			kind = "query"
		}
		m.requests.WithLabelValues(kind, c.Request().Method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		return err
	}
}

// projectionCollector reports the engine's status at scrape time: lag and
// parked events of every projector and reaction (label "projection": the
// consumer's name), the runs of every job.
type projectionCollector struct {
	a                              *App
	lag, lagSeconds, parked, ready *prometheus.Desc
	rebuilding                     *prometheus.Desc
	jobLastRun, jobFailures        *prometheus.Desc
}

func newProjectionCollector(a *App) *projectionCollector {
	l := []string{"projection"}
	j := []string{"job"}
	return &projectionCollector{
		a:           a,
		lag:         prometheus.NewDesc("fiveapis_projection_lag_events", "Events in the log after the checkpoint of the projection or reaction.", l, nil),
		lagSeconds:  prometheus.NewDesc("fiveapis_projection_lag_seconds", "Age of the oldest event the projection or reaction has not processed (0 when caught up).", l, nil),
		parked:      prometheus.NewDesc("fiveapis_projection_parked_events", "Parked events of the projection or reaction.", l, nil),
		rebuilding:  prometheus.NewDesc("fiveapis_projection_rebuilding", "1 while a new generation is being built.", l, nil),
		ready:       prometheus.NewDesc("fiveapis_ready", "1 when every projection is caught up (see /readyz).", nil, nil),
		jobLastRun:  prometheus.NewDesc("fiveapis_job_last_run_timestamp_seconds", "When the job's last run started (0: never), by the engine's clock.", j, nil),
		jobFailures: prometheus.NewDesc("fiveapis_job_failures_total", "Failed runs of the job, in every process.", j, nil),
	}
}

func (p *projectionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.lag
	ch <- p.lagSeconds
	ch <- p.parked
	ch <- p.rebuilding
	ch <- p.ready
	ch <- p.jobLastRun
	ch <- p.jobFailures
}

func (p *projectionCollector) Collect(ch chan<- prometheus.Metric) {
	if p.a.engine == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lags, err := ProjectionLags(ctx, p.a.engine, p.a.p.Store, time.Now())
	if err != nil {
		p.a.p.Logger.Warn("metrics: projection status", "err", err)
		return
	}
	ready := 1.0
	for _, l := range lags {
		if l.Kind == engine.KindJob {
			last := 0.0
			if !l.LastRun.IsZero() {
				last = float64(l.LastRun.UnixNano()) / 1e9
			}
			ch <- prometheus.MustNewConstMetric(p.jobLastRun, prometheus.GaugeValue, last, l.Name)
			ch <- prometheus.MustNewConstMetric(p.jobFailures, prometheus.CounterValue, float64(l.Failures), l.Name)
			continue
		}
		ch <- prometheus.MustNewConstMetric(p.lag, prometheus.GaugeValue, float64(l.Lag), l.Name)
		ch <- prometheus.MustNewConstMetric(p.lagSeconds, prometheus.GaugeValue, l.LagSeconds, l.Name)
		ch <- prometheus.MustNewConstMetric(p.parked, prometheus.GaugeValue, float64(l.Parked), l.Name)
		rb := 0.0
		if l.Rebuilding {
			rb = 1
		}
		ch <- prometheus.MustNewConstMetric(p.rebuilding, prometheus.GaugeValue, rb, l.Name)
		if l.Kind == engine.KindProjector && l.Lag > uint64(p.a.p.Config.Ops.ReadyMaxLag) {
			ready = 0
		}
	}
	ch <- prometheus.MustNewConstMetric(p.ready, prometheus.GaugeValue, ready)
}

// ProjectionLag is a consumer's status with its lag in seconds: the age of
// the oldest event after its checkpoint (0 when there is none, and for jobs).
type ProjectionLag struct {
	engine.Status
	LagSeconds float64
}

// ProjectionLags returns the engine's status with lags in seconds (the CLI
// and the metrics share it).
func ProjectionLags(ctx context.Context, e *engine.Engine, store eventlog.Store, now time.Time) ([]ProjectionLag, error) {
	st, err := e.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ProjectionLag, len(st))
	for i, s := range st {
		out[i].Status = s
		if s.Lag == 0 {
			continue
		}
		next, err := store.ReadAll(ctx, eventlog.ReadAllOptions{After: s.Checkpoint, Max: 1})
		if err != nil {
			return nil, err
		}
		if len(next) == 1 {
			out[i].LagSeconds = max(now.Sub(next[0].RecordedAt).Seconds(), 0)
		}
	}
	return out, nil
}

// mountObservability adds GET /metrics, /livez and /readyz.
func (a *App) mountObservability() {
	a.p.metrics.reg.MustRegister(newProjectionCollector(a))
	a.echo.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(a.p.metrics.reg, promhttp.HandlerOpts{})))
	a.echo.GET("/livez", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	a.echo.GET("/readyz", a.readyz)
}

// readyz answers 200 when the start-up tasks took effect (see Started) and
// every projection's lag is at most READY_MAX_LAG events, and 503 otherwise
// (or when the status cannot be read). Reactions and jobs do not decide
// readiness: a process serves while NATS or SMTP is down.
func (a *App) readyz(c echo.Context) error {
	select {
	case <-a.started:
	default:
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "starting"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	st, err := a.engine.Status(ctx)
	if err != nil {
		// The cause goes to the log, not to whoever can reach the probe.
		a.p.Logger.Warn("readyz: the projections' status cannot be read", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable"})
	}
	behind := map[string]uint64{}
	for _, s := range st {
		if s.Kind != engine.KindProjector {
			continue
		}
		if s.Lag > uint64(a.p.Config.Ops.ReadyMaxLag) || s.ActiveGeneration == 0 {
			behind[s.Name] = s.Lag
		}
	}
	if len(behind) > 0 {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "catching up", "lag_events": behind})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// instrumentStore wraps the event store so that appends and conflicts are
// counted. The engine and the subscriber find the store's optional
// capabilities (Head, CountAll, SafeProgress) through Unwrap
// (eventlog.Capability).
func instrumentStore(s eventlog.Store, m *metrics) eventlog.Store {
	return &instrumentedStore{Store: s, m: m}
}

type instrumentedStore struct {
	eventlog.Store
	m *metrics
}

// Unwrap implements eventlog.Wrapper.
func (s *instrumentedStore) Unwrap() eventlog.Store { return s.Store }

func (s *instrumentedStore) Append(ctx context.Context, stream string, expected eventlog.ExpectedVersion, events []eventlog.EventData) (eventlog.AppendResult, error) {
	start := time.Now()
	res, err := s.Store.Append(ctx, stream, expected, events)
	s.m.appendDur.Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		s.m.appends.WithLabelValues("ok").Inc()
		s.m.appended.Add(float64(len(events)))
	case errors.Is(err, eventlog.ErrWrongExpectedVersion):
		s.m.appends.WithLabelValues("conflict").Inc()
	default:
		s.m.appends.WithLabelValues("error").Inc()
	}
	return res, err
}
