package hhu

import (
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// MiniProgramReferer starts the Referer of every request 001's WeChat
// mini-program sends: wx.request sets it and a program cannot change it
// (https://servicewechat.com/{appid}/{version}/page-frame.html).
const MiniProgramReferer = "https://servicewechat.com/"

// MiniProgram reports whether the request comes from 001's WeChat
// mini-program, for the answers whose shape the mini-program and 001's
// document cannot share (a bare list where the seed answers a DRF page, a
// field the two name alike with different meanings; docs/hhu.md, "Real
// clients"). It adds Vary: Referer to the answer, which depends on it.
func MiniProgram(c echo.Context) bool {
	if h := c.Response().Header(); !slices.Contains(h.Values(echo.HeaderVary), "Referer") {
		h.Add(echo.HeaderVary, "Referer")
	}
	return strings.HasPrefix(c.Request().Referer(), MiniProgramReferer)
}
