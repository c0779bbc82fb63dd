package travel

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
)

// answer is 004's envelope: always HTTP 200, the real code inside.
func answer(c echo.Context, code int, msg string, data any) error {
	return c.JSON(http.StatusOK, map[string]any{"code": code, "msg": msg, "data": data})
}

// OK answers 004's success: {"code": 200, "msg": msg, "data": data}.
func OK(c echo.Context, msg string, data any) error { return answer(c, 200, msg, data) }

// ReadForm decodes the body (a form, multipart or JSON); one that cannot be
// decoded is refused with msg.
func ReadForm(c echo.Context, msg string) (drf.Form, error) { return readForm(c, msg) }

// AvatarURL is the path of an avatar ("" without one).
func AvatarURL(key string) string {
	if key == "" {
		return ""
	}
	return "/media/avatars/" + key
}

// Refusal is 004's refusal: {"code": 403, "msg": Message, "data": null}.
type Refusal string

func (r Refusal) Error() string { return "refused: " + string(r) }

// prefixed is an error whose faults answer as a Refusal of prefix and their
// first message ("注册错误：…").
type prefixed struct {
	prefix string
	err    error
}

func (p prefixed) Error() string { return p.prefix + p.err.Error() }
func (p prefixed) Unwrap() error { return p.err }

// withPrefix makes err's invalid or conflicting fields refuse with prefix
// before the first message; other errors answer as Render says.
func withPrefix(prefix string, err error) error { return prefixed{prefix: prefix, err: err} }

// dataCarrier is an error whose refusal carries data (withData).
type dataCarrier struct {
	err  error
	data any
}

func (d dataCarrier) Error() string { return d.err.Error() }
func (d dataCarrier) Unwrap() error { return d.err }

// withData makes err's refusal carry data instead of null: the Travellog
// app reads the user out of a refused /user/info answer too.
func withData(err error, data any) error {
	if err == nil {
		return nil
	}
	return dataCarrier{err: err, data: data}
}

// Render is 004's error table, every answer HTTP 200:
//
//   - Refusal: code 403 with its message;
//   - no logged-in session (access.ErrUnauthenticated): 403 "未登录或登录超时";
//   - too many password attempts: 403 "尝试次数过多,请N秒后再试", too many
//     reset codes: 403 "发送过于频繁,请N秒后再试", both with Retry-After;
//   - a fault whose code starts with "TRAVEL_" (the forum's and the
//     album jobs' refusals): 403 and its message;
//   - a withPrefix error naming a field: 403 "<prefix><first message>";
//   - any other invalid field (text the Router refuses: NUL, control
//     characters, invalid UTF-8): 403 "无效参数：<field>";
//   - a database that could not be used (httpapi.Classify): code 503
//     "服务暂时不可用,请稍后再试" with Retry-After;
//   - anything else goes to the server's error handler (500).
//
// The data is null, or what withData gave.
func Render(c echo.Context, err error) error {
	if c.Response().Committed {
		return nil
	}
	err = httpapi.Classify(err)
	code, msg, ok := refusalOf(c, err)
	if !ok {
		return err
	}
	var data any
	if d := (dataCarrier{}); errors.As(err, &d) {
		data = d.data
	}
	return answer(c, code, msg, data)
}

// refusalOf is the code and message of err in 004's table (ok false: not
// one of its refusals), setting Retry-After where the table says.
func refusalOf(c echo.Context, err error) (int, string, bool) {
	if errors.Is(err, httpapi.ErrUnavailable) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(httpapi.ErrUnavailable.RetryAfterSeconds))
		return 503, "服务暂时不可用,请稍后再试", true
	}
	var r Refusal
	var p prefixed
	switch {
	case errors.As(err, &r):
		return 403, string(r), true
	case errors.Is(err, access.ErrUnauthenticated):
		return 403, "未登录或登录超时", true
	case errors.Is(err, identity.ErrTooManyAttempts):
		return 403, throttled(c, err, "尝试次数过多,请%s秒后再试"), true
	case errors.Is(err, identity.ErrTooManyCodes):
		return 403, throttled(c, err, "发送过于频繁,请%s秒后再试"), true
	case errors.As(err, &p):
		if msg := faultMessage(p.err); msg != "" {
			return 403, p.prefix + msg, true
		}
	}
	if f, ok := fault.As(err); ok && strings.HasPrefix(f.Code, "TRAVEL_") {
		// The travel log's own refusals (domain/forum, domain/albums).
		return 403, f.Message, true
	}
	if f, ok := fault.As(err); ok && f.Kind == fault.Invalid && f.Field != "" {
		// Text the Router refused (NUL, control characters, invalid UTF-8).
		return 403, "无效参数：" + f.Field, true
	}
	return 0, "", false
}

// throttled sets Retry-After to the wait of a rate-limited fault and words
// the wait in format.
func throttled(c echo.Context, err error, format string) string {
	f, _ := fault.As(err)
	wait := strconv.Itoa(f.RetryAfterSeconds)
	c.Response().Header().Set("Retry-After", wait)
	return fmt.Sprintf(format, wait)
}

// faultMessage is the first message of the invalid or conflicting fields of
// err ("" when none).
func faultMessage(err error) string {
	for _, f := range drf.LeafFaults(err) {
		if f.Kind == fault.Invalid || f.Kind == fault.Conflict {
			return f.Message
		}
	}
	return ""
}
