package travel_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	identity "github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// 004's user routes: captcha, session, {code, msg, data} with HTTP 200.

// tinyPNG is a 1×1 PNG.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

// travelClient keeps the session cookie and answers captchas by setting a
// known answer on its session (the image itself is checked to be a PNG).
type travelClient struct {
	*apptest.Client
	t *testing.T
}

func (tc *travelClient) captcha(answer string) {
	t := tc.t
	t.Helper()
	req, _ := http.NewRequest("GET", tc.S.URL+"/user/captcha", nil)
	for _, ck := range tc.Cookies {
		req.AddCookie(ck)
	}
	resp, err := tc.S.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("captcha: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader(body)); err != nil {
		t.Fatalf("captcha is not a PNG: %v", err)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == travel.CookieName {
			if !ck.HttpOnly {
				t.Error("session cookie not HttpOnly")
			}
			tc.Cookies = []*http.Cookie{ck}
		}
	}
	if len(tc.Cookies) == 0 {
		t.Fatal("no session cookie")
	}
	tc.setCaptchaAnswer(answer)
}

// post sends a form (as the original clients do) and checks the HTTP 200.
func (tc *travelClient) post(path string, form map[string]string) apptest.Reply {
	tc.t.Helper()
	return tc.always200(tc.PostForm(tc.t, path, form))
}

// send sends a prepared request and checks the HTTP 200.
func (tc *travelClient) send(req *http.Request) apptest.Reply {
	tc.t.Helper()
	return tc.always200(tc.Send(tc.t, req))
}

func (tc *travelClient) always200(r apptest.Reply) apptest.Reply {
	tc.t.Helper()
	if r.Status != 200 {
		tc.t.Errorf("HTTP %d, want 200 always: %s", r.Status, r.Raw)
	}
	return r
}

func want(t *testing.T, r apptest.Reply, code float64, msg string) {
	t.Helper()
	if r.Body["code"] != code || (msg != "" && r.Body["msg"] != msg) {
		t.Errorf("want %v %q, got %s", code, msg, r.Raw)
	}
}

func TestTravelUserRoundTrip(t *testing.T) {
	t.Parallel()
	s, smtp := apptest.StartWithMail(t, nil)
	tc := &travelClient{Client: apptest.NewClient(s), t: t}
	uname := "trav_" + apptest.RandomHex(4)
	phone := fmt.Sprintf("139%08d", time.Now().UnixNano()%100000000)
	email := uname + "@example.com"
	reg := map[string]string{"uname": uname, "phone": phone, "email": email, "password": "travel-pw-1", "captcha": "1234"}

	want(t, tc.post("/user/register", reg), 403, "验证码过期")
	tc.captcha("1234")
	bad := map[string]string{"uname": uname, "phone": phone, "password": "travel-pw-1", "captcha": "9999"}
	want(t, tc.post("/user/register", bad), 403, "验证码错误")
	// Single use: the right answer after a wrong one is refused too.
	want(t, tc.post("/user/register", reg), 403, "验证码过期")
	noCaptcha := map[string]string{"uname": uname, "phone": phone, "password": "travel-pw-1", "no_captcha": "true"}
	want(t, tc.post("/user/register", noCaptcha), 403, "请输入验证码")

	tc.captcha("1234")
	r := tc.post("/user/register", reg)
	want(t, r, 200, "注册成功")
	data, _ := r.Body["data"].(map[string]any)
	if data["uname"] != uname || data["phone"] != phone || data["email"] != email {
		t.Fatalf("registered: %s", r.Raw)
	}
	uid := fmt.Sprintf("%.0f", data["uid"].(float64))

	for _, c := range []struct {
		form map[string]string
		msg  string
	}{
		{map[string]string{"uname": "12345", "phone": "13900000001", "password": "travel-pw-1"}, "用户名不能全为数字"},
		{map[string]string{"uname": "a<script>", "phone": "13900000001", "password": "travel-pw-1"}, "用户名包含特殊字符"},
		{map[string]string{"uname": "x' OR '1'='1", "phone": "13900000001", "password": "travel-pw-1"}, "用户名包含特殊字符"},
		{map[string]string{"uname": "newone" + apptest.RandomHex(3), "phone": "1234", "password": "travel-pw-1"}, "手机号格式不正确"},
		{map[string]string{"uname": "newone", "password": ""}, "无效参数：缺少用户名或密码"},
		{map[string]string{"uname": "newone", "password": "travel-pw-1"}, "无效参数：缺少手机或邮箱"},
		{map[string]string{"uname": strings.ToUpper(uname), "phone": "13900000002", "password": "travel-pw-1"}, "用户名已存在"},
	} {
		t.Run("register refused: "+c.msg, func(t *testing.T) {
			tc.captcha("5678")
			c.form["captcha"] = "5678"
			want(t, tc.post("/user/register", c.form), 403, c.msg)
		})
	}
	tc.captcha("5678")
	want(t, tc.post("/user/register", map[string]string{"uname": "other" + apptest.RandomHex(3), "phone": phone, "password": "travel-pw-1", "captcha": "5678"}), 403, "")

	// Login, the "user" field typed by shape.
	for _, ident := range []string{uname, uid, phone, strings.ToUpper(email)} {
		t.Run("login as "+ident, func(t *testing.T) {
			tc.captcha("4321")
			r := tc.post("/user/login", map[string]string{"user": ident, "password": "travel-pw-1", "captcha": "4321"})
			want(t, r, 200, "登录成功")
			if d, _ := r.Body["data"].(map[string]any); d["uname"] != uname {
				t.Errorf("login as %s: %s", ident, r.Raw)
			}
		})
	}
	tc.captcha("4321")
	want(t, tc.post("/user/login", map[string]string{"uname": uname, "password": "wrong-password", "captcha": "4321"}), 403, "密码错误")
	tc.captcha("4321")
	want(t, tc.post("/user/login", map[string]string{"user": "nobody" + apptest.RandomHex(3), "password": "x", "captcha": "4321"}), 403, "无此用户")
	tc.captcha("4321")
	want(t, tc.post("/user/login", map[string]string{"user": uname, "captcha": "4321"}), 403, "无效参数")
	want(t, tc.post("/user/login", map[string]string{"user": uname, "password": "travel-pw-1"}), 403, "请输入验证码")
	get, _ := http.NewRequest("GET", s.URL+"/user/login", nil)
	want(t, tc.send(get), 403, "请使用 POST 请求")

	// The log holds the phone number sealed only.
	recs, _ := s.App.Store().ReadAll(context.Background(), eventlog.ReadAllOptions{Filter: eventlog.Filter{EventTypes: []string{identity.EventPhoneChanged, identity.EventPhoneClaimed}}, Max: 1000})
	if len(recs) < 2 {
		t.Fatalf("phone events: %d", len(recs))
	}
	for _, rec := range recs {
		if strings.Contains(string(rec.Data), phone) {
			t.Errorf("phone in the log: %s", rec.Data)
		}
	}

	// Session: info, password, avatar, logout.
	tc.captcha("4321")
	want(t, tc.post("/user/login", map[string]string{"user": uname, "password": "travel-pw-1", "captcha": "4321"}), 200, "登录成功")
	info, _ := http.NewRequest("GET", s.URL+"/user/info", nil)
	want(t, tc.send(info), 200, "")
	upd := tc.post("/user/info", map[string]string{"gender": "2", "intro": "<script>alert(1)</script>'; DROP TABLE users;--", "phone": "13700000000"})
	want(t, upd, 200, "修改成功")
	if d, _ := upd.Body["data"].(map[string]any); d["gender"] != 2.0 || d["phone"] != "13700000000" || d["intro"] != "<script>alert(1)</script>'; DROP TABLE users;--" {
		t.Errorf("info update: %s", upd.Raw)
	}
	want(t, tc.post("/user/info", map[string]string{"gender": "7"}), 403, "")
	want(t, tc.post("/user/info", map[string]string{"phone": "12"}), 403, "手机号格式不正确")
	want(t, tc.post("/user/password", map[string]string{"old_password": "nope-nope-1", "new_password": "travel-pw-2"}), 403, "旧密码错误")
	want(t, tc.post("/user/password", map[string]string{"old_password": "travel-pw-1"}), 403, "无效参数")
	want(t, tc.post("/user/password", map[string]string{"old_password": "travel-pw-1", "new_password": "travel-pw-2"}), 200, "成功地修改了密码")

	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("avatar", "a.png")
	_, _ = fw.Write(tinyPNG)
	_ = w.Close()
	up, _ := http.NewRequest("POST", s.URL+"/user/avatar", &b)
	up.Header.Set("Content-Type", w.FormDataContentType())
	ar := tc.send(up)
	want(t, ar, 200, "成功地修改了头像")
	path, _ := ar.Body["data"].(map[string]any)["avatar"].(string)
	if resp, err := s.Client.Get(s.URL + path); err != nil || resp.StatusCode != 200 {
		t.Errorf("avatar %s not served", path)
	} else {
		resp.Body.Close()
	}

	// The session authenticates other modules too (Roamio's me).
	me, _ := http.NewRequest("GET", s.URL+"/api/v1/auth/me/", nil)
	if r := tc.send(me); r.Body["username"] != uname {
		t.Errorf("session as principal: %s", r.Raw)
	}

	logout, _ := http.NewRequest("POST", s.URL+"/user/logout", nil)
	want(t, tc.send(logout), 200, "已清除登录信息")
	want(t, tc.post("/user/info", map[string]string{"gender": "1"}), 403, "未登录或登录超时")
	want(t, tc.post("/user/password", map[string]string{"old_password": "travel-pw-2", "new_password": "travel-pw-3"}), 403, "未登录或登录超时")
	tc.Cookies = []*http.Cookie{{Name: travel.CookieName, Value: "forged-session-id"}}
	want(t, tc.post("/user/info", nil), 403, "未登录或登录超时")

	// Two-step reset by an e-mailed code.
	tc.captcha("1111")
	want(t, tc.post("/user/reset", map[string]string{"email": "nobody-" + apptest.RandomHex(3) + "@example.com", "captcha": "1111"}), 403, "找不到用户")
	tc.captcha("1111")
	want(t, tc.post("/user/reset", map[string]string{"code": "123456", "captcha": "1111", "new_password": "travel-pw-9"}), 403, "未获取恢复码或已失效")
	tc.captcha("1111")
	want(t, tc.post("/user/reset", map[string]string{"email": email, "captcha": "1111"}), 200, "已发送恢复码至邮箱")
	msg := smtp.WaitFor(t, email, nil, 15*time.Second)
	code := apptest.Code(msg.Body)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	tc.captcha("2222")
	want(t, tc.post("/user/reset", map[string]string{"code": wrong, "captcha": "2222", "new_password": "travel-pw-9"}), 403, "恢复码错误")
	tc.captcha("2222")
	want(t, tc.post("/user/reset", map[string]string{"code": code, "captcha": "2223", "new_password": "travel-pw-9"}), 403, "验证码错误")
	tc.captcha("2222")
	want(t, tc.post("/user/reset", map[string]string{"code": code, "captcha": "2222", "new_password": "travel-pw-9"}), 200, "修改成功")
	tc.captcha("3333")
	want(t, tc.post("/user/login", map[string]string{"user": email, "password": "travel-pw-9", "captcha": "3333"}), 200, "登录成功")
}

func TestTravelNoCaptchaOnlyInDebug(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *app.Config) { c.Travel.AllowNoCaptcha = true }))
	tc := &travelClient{Client: apptest.NewClient(s), t: t}
	uname := "dbg_" + apptest.RandomHex(4)
	want(t, tc.post("/user/register", map[string]string{"uname": uname, "email": uname + "@example.com", "password": "travel-pw-1", "no_captcha": "true"}), 200, "注册成功")
	want(t, tc.post("/user/login", map[string]string{"user": uname, "password": "travel-pw-1", "no_captcha": "1"}), 200, "登录成功")
	want(t, tc.post("/user/login", map[string]string{"user": uname, "password": "travel-pw-1", "no_captcha": "false"}), 403, "请输入验证码")
}

// TestTravelResetCodesAreLimitedPerAddress: the reset's codes go through the
// identity command's code limits like Roamio's (3 an address in 5 minutes),
// from any client address; the refusal is 004's 403 with the wait, and
// Retry-After.
func TestTravelResetCodesAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	s, smtp := apptest.StartWithMail(t, nil, apptest.WithConfig(func(c *app.Config) { c.Travel.AllowNoCaptcha = true }))
	tc := &travelClient{Client: apptest.NewClient(s), t: t}
	uname := "rst_" + apptest.RandomHex(4)
	email := uname + "@example.com"
	want(t, tc.post("/user/register", map[string]string{"uname": uname, "email": email, "password": "travel-pw-1", "no_captcha": "true"}), 200, "注册成功")
	reset := func(c *travelClient) apptest.Reply {
		return c.post("/user/reset", map[string]string{"email": email, "no_captcha": "true"})
	}
	for i := range 3 {
		if r := reset(tc); r.Body["code"] != 200.0 {
			t.Fatalf("reset %d: %s", i+1, r.Raw)
		}
	}
	smtp.WaitFor(t, email, nil, 15*time.Second)
	t.Run("the fourth code for the address is refused with the wait", func(t *testing.T) {
		r := reset(tc)
		msg, _ := r.Body["msg"].(string)
		if r.Body["code"] != 403.0 || !strings.HasPrefix(msg, "发送过于频繁,请") || !strings.HasSuffix(msg, "秒后再试") || r.Header.Get("Retry-After") == "" {
			t.Fatalf("fourth reset: %v %s", r.Header, r.Raw)
		}
	})
	t.Run("another client address is limited per address just the same", func(t *testing.T) {
		other := &travelClient{Client: apptest.NewClient(s), t: t}
		if r := reset(other); r.Body["code"] != 403.0 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("reset from another address: %s", r.Raw)
		}
	})
}
