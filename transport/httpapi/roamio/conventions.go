package roamio

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/fiveapis/backend/transport/httpapi"
)

// DefaultOrigins are the seed's CORS_ALLOWED_ORIGINS.
var DefaultOrigins = []string{
	"https://roamio.com",
	"https://www.roamio.com",
	"https://app7626.acapp.acwing.com.cn",
	"https://www.acwing.com",
}

// Limiter counts a caller's requests in a sliding window shared by every
// server process (ratelimit.Limiter behind an adapter in the wiring):
// allowed, or how long until the next one would be.
type Limiter interface {
	Hit(ctx context.Context, key string, max int, window time.Duration) (bool, time.Duration, error)
}

// Conventions is what every /api/v1/ request passes through, accounts and
// content alike: CORS for Origins (with credentials, as the web client
// sends withCredentials) and the seed's request limits per hour, per user
// for authenticated callers and per address for anonymous ones (0: no
// limit).
type Conventions struct {
	Origins          []string
	Limiter          Limiter
	AnonymousPerHour int
	UserPerHour      int
}

// Mount implements httpapi.Routes: it installs the middleware for the
// paths under Prefix.
func (cv Conventions) Mount(e *echo.Echo) {
	if len(cv.Origins) == 0 {
		cv.Origins = DefaultOrigins
	}
	skip := func(c echo.Context) bool { return !strings.HasPrefix(c.Request().URL.Path, Prefix+"/") }
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper:          skip,
		AllowOrigins:     cv.Origins,
		AllowMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions},
		AllowHeaders:     []string{echo.HeaderAuthorization, echo.HeaderContentType, echo.HeaderXRequestID, "X-Min-Position", "X-CSRFToken"},
		ExposeHeaders:    []string{"Retry-After", httpapi.HeaderPosition, "X-RateLimit-Limit"},
		AllowCredentials: true,
		MaxAge:           3600,
	}))
	if cv.Limiter == nil || cv.AnonymousPerHour <= 0 && cv.UserPerHour <= 0 {
		return
	}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) || c.Request().Method == http.MethodOptions {
				return next(c)
			}
			key, max := "a:"+httpapi.ClientIP(c), cv.AnonymousPerHour
			if a := httpapi.Actor(c); a.UserID > 0 {
				key, max = "u:"+strconv.FormatInt(a.UserID, 10), cv.UserPerHour
			}
			if max <= 0 {
				return next(c)
			}
			ok, retry, err := cv.Limiter.Hit(c.Request().Context(), key, max, time.Hour)
			if err != nil {
				return err
			}
			c.Response().Header().Set("X-RateLimit-Limit", strconv.Itoa(max))
			if ok {
				return next(c)
			}
			secs := int(math.Ceil(retry.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return c.JSON(http.StatusTooManyRequests, map[string]any{
				"error":      "请求过于频繁,请稍后再试",
				"error_code": CodeRateLimited,
				"details":    map[string]any{"limit_per_hour": max, "retry_after_seconds": secs},
				"detail":     "Request was throttled. Expected available in " + strconv.Itoa(secs) + " seconds.",
			})
		}
	})
}
