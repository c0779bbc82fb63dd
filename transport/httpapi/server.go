// Package httpapi is the HTTP edge: one Echo server on which each seed API
// (cards, hhu, roamio, ralendar, magpie, travel) mounts its routes with its own
// envelopes and error codes. This package holds what they share: request
// metadata for events, read-your-writes waits, and the server itself.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/fiveapis/backend/domain/fault"
)

// Routes are a set of routes (one API's context, or an operator surface)
// mounted on the server.
type Routes interface {
	Mount(e *echo.Echo)
}

// Config configures the HTTP server.
type Config struct {
	Addr string
	// BodyLimit caps request bodies, e.g. "10M".
	BodyLimit string
	// ReadHeaderTimeout bounds reading a request's header, ReadTimeout the
	// whole request with its body (a client trickling a body is cut off),
	// WriteTimeout the handler and its answer (streams lift it for
	// themselves, see LiftWriteDeadline), IdleTimeout a kept-alive
	// connection between requests.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// MaxHeaderBytes caps a request's header lines.
	MaxHeaderBytes int
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration
	// Consistency is the read-your-writes policy every route follows
	// (Consistency.Middleware); without a Waiter, answers do not wait.
	Consistency Consistency
}

// Defaults of Config. WriteTimeout exceeds the longest a handler waits on
// purpose (a QR zip build, 60 s, before it answers 202).
const (
	DefaultAddr              = ":8080"
	DefaultBodyLimit         = "20M"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 90 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultShutdownTimeout   = 15 * time.Second
)

func (c Config) withDefaults() Config {
	d := Config{Addr: DefaultAddr, BodyLimit: DefaultBodyLimit, ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout: DefaultReadTimeout, WriteTimeout: DefaultWriteTimeout, IdleTimeout: DefaultIdleTimeout,
		MaxHeaderBytes: DefaultMaxHeaderBytes, ShutdownTimeout: DefaultShutdownTimeout}
	if c.Addr == "" {
		c.Addr = d.Addr
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if c.BodyLimit == "" {
		c.BodyLimit = d.BodyLimit
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	return c
}

// NewEcho builds the Echo instance with the shared middleware and mounts the
// routes. Unmatched routes answer a plain JSON 404; each module renders its
// own errors inside its handlers.
func NewEcho(cfg Config, logger *slog.Logger, routes ...Routes) *echo.Echo {
	cfg = cfg.withDefaults()
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// The client IP (rate limits, usage logs, event metadata) comes from
	// X-Forwarded-For only when the request arrives from a proxy on
	// loopback, link-local or a private network; a client on the internet
	// cannot forge it.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	e.Use(requestIDFromClient, middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}))
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit(cfg.BodyLimit))
	e.Use(accessLog(logger))
	e.Use(cfg.Consistency.Middleware())
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code := http.StatusInternalServerError
		msg := any("internal server error")
		var he *echo.HTTPError
		if errors.As(err, &he) {
			code, msg = he.Code, he.Message
		} else if f, ok := fault.As(Classify(err)); ok && f.Kind == fault.Unavailable {
			code, msg = http.StatusServiceUnavailable, f.Message
			c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		} else {
			logger.Error("unhandled error", "method", c.Request().Method, "path", c.Path(), "err", err)
		}
		_ = c.JSON(code, map[string]any{"detail": msg})
	}
	for _, r := range routes {
		r.Mount(e)
	}
	return e
}

// NewServer returns the HTTP server of h with cfg's address, timeouts and
// header limit.
func NewServer(cfg Config, h http.Handler) *http.Server {
	cfg = cfg.withDefaults()
	return &http.Server{Addr: cfg.Addr, Handler: h, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes}
}

// LiftWriteDeadline lets a stream (Server-Sent Events) write past the
// server's WriteTimeout: the stream ends when its client goes or the server
// stops. A writer without deadlines (a recorder in tests) has none to lift.
func LiftWriteDeadline(c echo.Context) error {
	err := http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Time{})
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

// Serve runs e on cfg.Addr until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, cfg Config, e *echo.Echo, logger *slog.Logger) error {
	cfg = cfg.withDefaults()
	srv := NewServer(cfg, e)
	errc := make(chan error, 1)
	go func() {
		logger.Info("http server listening", "addr", cfg.Addr)
		errc <- srv.ListenAndServe()
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

func accessLog(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			if logger.Enabled(c.Request().Context(), slog.LevelDebug) {
				logger.Debug("http", "method", c.Request().Method, "path", c.Request().URL.Path,
					"status", c.Response().Status, "dur", time.Since(start), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			}
			return nil
		}
	}
}
