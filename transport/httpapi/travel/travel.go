// Package travel serves the user routes of 004's travel-log app (/user/…):
// image captcha, session login with the "user" field typed by its shape,
// logout, registration, password, avatar, user info and a two-step password
// reset by an e-mailed code. Every answer is HTTP 200 with the real code in
// {"code", "msg", "data"}, as the original clients expect. The session
// (cookie "sessionid") is also an authn.RequestVerifier for other modules.
package travel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"
	"github.com/mojocn/base64Captcha"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	domain "github.com/fiveapis/backend/domain/identity"
	query "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/identityauth"
)

// Identity is what the routes need of the identity commands.
type Identity interface {
	Register(ctx context.Context, cmd identitycmd.Register, meta eventlog.Metadata) (identitycmd.Registered, error)
	LoginAs(ctx context.Context, cmd identitycmd.LoginAs, meta eventlog.Metadata) (identitycmd.LoggedIn, error)
	ChangePassword(ctx context.Context, cmd identitycmd.ChangePassword, meta eventlog.Metadata) (eventlog.Position, error)
	UpdateTravelInfo(ctx context.Context, cmd identitycmd.UpdateTravelInfo, meta eventlog.Metadata) (eventlog.Position, error)
	ChangeAvatar(ctx context.Context, cmd identitycmd.ChangeAvatar, meta eventlog.Metadata) (eventlog.Position, error)
	RequestVerificationCode(ctx context.Context, cmd identitycmd.RequestVerificationCode, meta eventlog.Metadata) (identitycmd.CodeRequested, error)
	VerifyCode(ctx context.Context, cmd identitycmd.VerifyCode, meta eventlog.Metadata) (identitycmd.CodeVerified, error)
	ResetPassword(ctx context.Context, cmd identitycmd.ResetPassword, meta eventlog.Metadata) (eventlog.Position, error)
}

// Users reads accounts.
type Users interface {
	UserByID(ctx context.Context, q query.UserByID) (query.User, error)
	UserByUsername(ctx context.Context, q query.UserByUsername) (query.User, error)
	UserByEmail(ctx context.Context, q query.UserByEmail) (query.User, error)
	UserByPhone(ctx context.Context, q query.UserByPhone) (query.User, error)
}

// Files stores avatars and serves them.
type Files interface {
	Put(data []byte, ext string) (string, error)
	Serve(c echo.Context) error
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Deps are the module's ports.
type Deps struct {
	Identity    Identity
	Users       Users
	Sessions    Sessions
	Files       Files
	Clock       Clock
	Consistency httpapi.Consistency
	Guard       *identityauth.PasswordGuard
	// AllowNoCaptcha honours "no_captcha" (a debug setting; never in
	// production).
	AllowNoCaptcha bool
}

// Module is 004's user API.
type Module struct{ d Deps }

// New returns the module.
func New(d Deps) *Module { return &Module{d: d} }

// CookieName is the session cookie.
const CookieName = httpapi.SessionCookie

// Session is 004's server-side session (Django's): the logged-in user, the
// pending captcha and the pending password reset.
type Session struct {
	ID             string
	UserID         int64
	CaptchaHash    string
	CaptchaExpires time.Time
	ResetEmail     string
	ResetExpires   time.Time
	ExpiresAt      time.Time
}

// Sessions stores sessions so that every server process sees them
// (transport/sessions through the wiring).
type Sessions interface {
	// New creates an empty session; Get loads a live one (ok false: none or
	// expired).
	New(ctx context.Context, now time.Time) (Session, error)
	Get(ctx context.Context, id string, now time.Time) (Session, bool, error)
	// SetCaptcha stores a captcha answer's hash; TakeCaptcha removes and
	// returns it (single use, right or wrong).
	SetCaptcha(ctx context.Context, id, answerHash string, expires time.Time) error
	TakeCaptcha(ctx context.Context, id string) (hash string, expires time.Time, err error)
	// SetUser logs the session in (0: out) and forgets a pending reset.
	SetUser(ctx context.Context, id string, user int64) error
	// SetReset remembers the address a reset code was sent to.
	SetReset(ctx context.Context, id, email string, expires time.Time) error
	// Delete ends a session.
	Delete(ctx context.Context, id string) error
}

// CaptchaKey is the stored form of a captcha answer (operators and tests).
func CaptchaKey(answer string) string { return captchaHash(answer) }

// CaptchaTTL is how long a captcha may be answered.
const CaptchaTTL = 5 * time.Minute

// Mount implements httpapi.Routes.
func (m *Module) Mount(e *echo.Echo) {
	for _, p := range []string{"/user/captcha", "/user/captcha/"} {
		e.GET(p, m.captcha)
	}
	route := func(path string, h echo.HandlerFunc, methods ...string) {
		for _, p := range []string{path, path + "/"} {
			for _, meth := range methods {
				e.Add(meth, p, h)
			}
		}
	}
	route("/user/login", m.login, http.MethodPost, http.MethodGet)
	route("/user/logout", m.logout, http.MethodPost, http.MethodGet)
	route("/user/register", m.register, http.MethodPost, http.MethodGet)
	route("/user/password", m.password, http.MethodPost, http.MethodGet)
	route("/user/avatar", m.avatar, http.MethodPost, http.MethodGet)
	route("/user/info", m.info, http.MethodPost, http.MethodGet)
	route("/user/reset", m.reset, http.MethodPost, http.MethodGet)
	if m.d.Files != nil {
		e.GET("/media/avatars/:key", m.d.Files.Serve)
	}
}

// answer is the envelope: always HTTP 200.
func answer(c echo.Context, code int, msg string, data any) error {
	return c.JSON(http.StatusOK, map[string]any{"code": code, "msg": msg, "data": data})
}

func refuse(c echo.Context, msg string) error { return answer(c, 403, msg, nil) }

// session returns the request's live session, creating one (and setting
// the cookie) when create is set.
func (m *Module) session(c echo.Context, create bool) (Session, bool, error) {
	ctx, now := c.Request().Context(), m.d.Clock.Now()
	if ck, err := c.Cookie(CookieName); err == nil {
		s, ok, err := m.d.Sessions.Get(ctx, ck.Value, now)
		if err != nil || ok {
			return s, ok, err
		}
	}
	if !create {
		return Session{}, false, nil
	}
	s, err := m.d.Sessions.New(ctx, now)
	if err != nil {
		return Session{}, false, err
	}
	c.SetCookie(&http.Cookie{Name: CookieName, Value: s.ID, Path: "/", Expires: s.ExpiresAt, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
	return s, true, nil
}

func captchaHash(answer string) string {
	sum := sha256.Sum256([]byte("captcha:" + strings.ToLower(strings.TrimSpace(answer))))
	return hex.EncodeToString(sum[:])
}

var digitCaptcha = base64Captcha.NewDriverDigit(60, 160, 4, 0.6, 40)

// captcha: GET /user/captcha → image/png; the answer is kept (hashed) in
// the session, single use.
func (m *Module) captcha(c echo.Context) error {
	s, _, err := m.session(c, true)
	if err != nil {
		return err
	}
	_, q, a := digitCaptcha.GenerateIdQuestionAnswer()
	item, err := digitCaptcha.DrawCaptcha(q)
	if err != nil {
		return err
	}
	if err := m.d.Sessions.SetCaptcha(c.Request().Context(), s.ID, captchaHash(a), m.d.Clock.Now().Add(CaptchaTTL)); err != nil {
		return err
	}
	var png bytes.Buffer
	if _, err := item.WriteTo(&png); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/png", png.Bytes())
}

// checkCaptcha consumes the session's captcha; msg is the refusal ("" when
// it passed). no_captcha passes only when AllowNoCaptcha.
func (m *Module) checkCaptcha(c echo.Context, f drf.Form) (string, error) {
	if m.d.AllowNoCaptcha && f.Bool("no_captcha") {
		return "", nil
	}
	given, _ := f.Opt("captcha")
	if strings.TrimSpace(given) == "" {
		return "请输入验证码", nil
	}
	s, ok, err := m.session(c, false)
	if err != nil {
		return "", err
	}
	if !ok {
		return "验证码过期", nil
	}
	hash, expires, err := m.d.Sessions.TakeCaptcha(c.Request().Context(), s.ID)
	if err != nil {
		return "", err
	}
	switch {
	case hash == "" || !m.d.Clock.Now().Before(expires):
		return "验证码过期", nil
	case subtle.ConstantTimeCompare([]byte(hash), []byte(captchaHash(given))) != 1:
		return "验证码错误", nil
	}
	return "", nil
}

// userInfo is 004's user object.
type userInfo struct {
	UID    int64  `json:"uid"`
	Uname  string `json:"uname"`
	Phone  string `json:"phone"`
	Email  string `json:"email"`
	Gender int    `json:"gender"`
	Intro  string `json:"intro"`
	Avatar string `json:"avatar"`
}

func infoOf(u query.User) userInfo {
	avatar := ""
	if u.AvatarKey != "" {
		avatar = "/media/avatars/" + u.AvatarKey
	}
	return userInfo{UID: u.ID, Uname: u.Username, Phone: u.Phone, Email: u.Email, Gender: u.Gender, Intro: u.Intro, Avatar: avatar}
}

// kindOf types the "user" field by shape: "@" → email, digits shorter than
// 10 → uid, 10 or more digits → phone, otherwise user name.
func kindOf(s string) string {
	if strings.Contains(s, "@") {
		return "email"
	}
	digits := s != ""
	for _, r := range s {
		if r < '0' || r > '9' {
			digits = false
			break
		}
	}
	switch {
	case digits && len(s) < 10:
		return "uid"
	case digits:
		return "phone"
	}
	return "username"
}

func (m *Module) lookup(ctx context.Context, kind, ident string) (query.User, error) {
	switch kind {
	case "uid":
		id, ok := domain.ParseUserID(ident)
		if !ok {
			return query.User{}, query.ErrNotFound
		}
		return m.d.Users.UserByID(ctx, query.UserByID{ID: id})
	case "phone":
		return m.d.Users.UserByPhone(ctx, query.UserByPhone{Phone: ident})
	case "email":
		return m.d.Users.UserByEmail(ctx, query.UserByEmail{Email: ident})
	}
	return m.d.Users.UserByUsername(ctx, query.UserByUsername{Username: ident})
}

// login: POST /user/login {user | uid | uname | phone | email, password,
// captcha, no_captcha} → the user; the session is logged in.
func (m *Module) login(c echo.Context) error {
	if c.Request().Method != http.MethodPost {
		return refuse(c, "请使用 POST 请求")
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return refuse(c, "无效参数")
	}
	kind, ident := "", ""
	if v, ok := f.Opt("user"); ok && strings.TrimSpace(v) != "" {
		ident = strings.TrimSpace(v)
		kind = kindOf(ident)
	} else {
		for _, k := range []struct{ field, kind string }{{"uid", "uid"}, {"uname", "username"}, {"phone", "phone"}, {"email", "email"}} {
			if v, ok := f.Opt(k.field); ok && strings.TrimSpace(v) != "" {
				ident, kind = strings.TrimSpace(v), k.kind
				break
			}
		}
	}
	password, ok := f.Opt("password")
	if ident == "" || !ok || password == "" {
		return refuse(c, "无效参数")
	}
	if msg, err := m.checkCaptcha(c, f); err != nil {
		return err
	} else if msg != "" {
		return refuse(c, msg)
	}
	ctx := c.Request().Context()
	if d, err := m.d.Guard.Attempt(ctx, kind+":"+ident, c.RealIP()); err != nil {
		return err
	} else if !d.Allowed {
		return refuse(c, "尝试次数过多,请"+strconv.Itoa(int(d.RetryAfter.Seconds())+1)+"秒后再试")
	}
	if _, err := m.lookup(ctx, kind, ident); errors.Is(err, query.ErrNotFound) {
		return refuse(c, "无此用户")
	} else if err != nil {
		return err
	}
	li, err := m.d.Identity.LoginAs(ctx, identitycmd.LoginAs{Kind: kind, Identifier: ident, Password: password}, httpapi.EventMeta(c, m.d.Clock.Now()))
	if errors.Is(err, domain.ErrBadCredentials) || errors.Is(err, domain.ErrUserInactive) {
		return refuse(c, "密码错误")
	}
	if err != nil {
		return err
	}
	m.d.Guard.Succeeded(ctx, kind+":"+ident)
	s, _, err := m.session(c, true)
	if err != nil {
		return err
	}
	if err := m.d.Sessions.SetUser(ctx, s.ID, li.User.ID); err != nil {
		return err
	}
	m.d.Consistency.AfterCommand(c, li.Position, query.ProjectionName)
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: li.User.ID})
	if err != nil {
		return err
	}
	return answer(c, 200, "登录成功", infoOf(u))
}

// logout: GET/POST /user/logout → the session is cleared.
func (m *Module) logout(c echo.Context) error {
	if ck, err := c.Cookie(CookieName); err == nil {
		if err := m.d.Sessions.Delete(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return answer(c, 200, "已清除登录信息", nil)
}

// validUname applies 004's rules: not all digits, letters/digits/_ only.
func validUname(s string) string {
	allDigits := true
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return "用户名包含特殊字符"
		}
		if !unicode.IsDigit(r) {
			allDigits = false
		}
	}
	if allDigits {
		return "用户名不能全为数字"
	}
	return ""
}

// register: POST /user/register {uname, phone | email, password, captcha,
// no_captcha} → the new user (not logged in).
func (m *Module) register(c echo.Context) error {
	if c.Request().Method != http.MethodPost {
		return refuse(c, "请使用 POST 请求")
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return refuse(c, "无效参数")
	}
	uname, _ := f.Opt("uname")
	password, _ := f.Opt("password")
	phone, _ := f.Opt("phone")
	email, _ := f.Opt("email")
	uname, phone, email = strings.TrimSpace(uname), strings.TrimSpace(phone), strings.TrimSpace(email)
	switch {
	case uname == "" || password == "":
		return refuse(c, "无效参数：缺少用户名或密码")
	case phone == "" && email == "":
		return refuse(c, "无效参数：缺少手机或邮箱")
	}
	if msg := validUname(uname); msg != "" {
		return refuse(c, msg)
	}
	if _, err := domain.NewPhone(phone); err != nil {
		return refuse(c, domain.ErrPhoneFormatMessage)
	}
	if msg, err := m.checkCaptcha(c, f); err != nil {
		return err
	} else if msg != "" {
		return refuse(c, msg)
	}
	reg, err := m.d.Identity.Register(c.Request().Context(), identitycmd.Register{Username: uname, Email: email, Password: password, Phone: phone},
		httpapi.EventMeta(c, m.d.Clock.Now()))
	switch {
	case errors.Is(err, domain.ErrUsernameTaken):
		return refuse(c, "用户名已存在")
	case err != nil:
		if msg := faultMessage(err); msg != "" {
			return refuse(c, "注册错误："+msg)
		}
		return err
	}
	m.d.Consistency.AfterCommand(c, reg.Position, query.ProjectionName)
	u, err := m.d.Users.UserByID(c.Request().Context(), query.UserByID{ID: reg.User.ID})
	if err != nil {
		return err
	}
	return answer(c, 200, "注册成功", infoOf(u))
}

// faultMessage is the first message of the faults of err ("" when none).
func faultMessage(err error) string {
	for _, f := range drf.LeafFaults(err) {
		if f.Kind == fault.Invalid || f.Kind == fault.Conflict {
			return f.Message
		}
	}
	return ""
}

// current returns the logged-in user of the session (0: none).
func (m *Module) current(c echo.Context) (int64, error) {
	s, ok, err := m.session(c, false)
	if err != nil || !ok {
		return 0, err
	}
	return s.UserID, nil
}

// password: POST /user/password {old_password, new_password}.
func (m *Module) password(c echo.Context) error {
	if c.Request().Method != http.MethodPost {
		return refuse(c, "请使用 POST 请求")
	}
	id, err := m.current(c)
	if err != nil {
		return err
	}
	if id == 0 {
		return refuse(c, "未登录或登录超时")
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return refuse(c, "无效参数")
	}
	oldPw, ok1 := f.Opt("old_password")
	newPw, ok2 := f.Opt("new_password")
	if !ok1 || !ok2 || oldPw == "" || newPw == "" {
		return refuse(c, "无效参数")
	}
	ctx := c.Request().Context()
	account := "id:" + strconv.FormatInt(id, 10)
	if d, err := m.d.Guard.Attempt(ctx, account, c.RealIP()); err != nil {
		return err
	} else if !d.Allowed {
		return refuse(c, "尝试次数过多,请稍后再试")
	}
	pos, err := m.d.Identity.ChangePassword(ctx, identitycmd.ChangePassword{UserID: id, OldPassword: oldPw, NewPassword: newPw}, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		if f, ok := fault.As(err); ok && f.Field == "old_password" {
			return refuse(c, "旧密码错误")
		}
		if errors.Is(err, domain.ErrUserNotFound) {
			return refuse(c, "无此用户")
		}
		if msg := faultMessage(err); msg != "" {
			return refuse(c, "无效参数："+msg)
		}
		if errors.Is(err, domain.ErrNoPassword) {
			return refuse(c, "旧密码错误")
		}
		return err
	}
	m.d.Guard.Succeeded(ctx, account)
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return answer(c, 200, "成功地修改了密码", nil)
}

var avatarTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// avatar: POST /user/avatar (multipart "avatar") → the avatar's path.
func (m *Module) avatar(c echo.Context) error {
	id, err := m.current(c)
	if err != nil {
		return err
	}
	if id == 0 {
		return refuse(c, "未登录或登录超时")
	}
	if m.d.Files == nil {
		return refuse(c, "服务器错误")
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, domain.MaxAvatarBytes+64<<10)
	fh, err := c.FormFile("avatar")
	if err != nil || fh.Size > domain.MaxAvatarBytes {
		return refuse(c, "未获取到avatar")
	}
	file, err := fh.Open()
	if err != nil {
		return refuse(c, "未获取到avatar")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, domain.MaxAvatarBytes+1))
	ext, ok := avatarTypes[http.DetectContentType(data)]
	if err != nil || len(data) == 0 || len(data) > domain.MaxAvatarBytes || !ok {
		return refuse(c, "未获取到avatar")
	}
	key, err := m.d.Files.Put(data, ext)
	if err != nil {
		return err
	}
	pos, err := m.d.Identity.ChangeAvatar(c.Request().Context(), identitycmd.ChangeAvatar{ActorID: id, UserID: id, FileKey: key,
		ContentType: http.DetectContentType(data), Size: int64(len(data))}, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		return err
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return answer(c, 200, "成功地修改了头像", map[string]string{"avatar": "/media/avatars/" + key})
}

// info: GET /user/info → the user; POST {gender, phone, email, intro}
// changes them.
func (m *Module) info(c echo.Context) error {
	id, err := m.current(c)
	if err != nil {
		return err
	}
	if id == 0 {
		return refuse(c, "未登录或登录超时")
	}
	ctx := c.Request().Context()
	m.d.Consistency.BeforeQuery(c, query.ProjectionName)
	u, err := m.d.Users.UserByID(ctx, query.UserByID{ID: id})
	if errors.Is(err, query.ErrNotFound) {
		return refuse(c, "无此用户")
	}
	if err != nil {
		return err
	}
	if c.Request().Method != http.MethodPost {
		return answer(c, 200, "获取成功", infoOf(u))
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return refuse(c, "无效参数")
	}
	cmd := identitycmd.UpdateTravelInfo{UserID: id, CurrentGender: u.Gender, CurrentIntro: u.Intro}
	if v, ok := f.Opt("gender"); ok {
		g, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return refuse(c, "无效参数：gender")
		}
		cmd.Gender = &g
	}
	if v, ok := f.Opt("intro"); ok {
		cmd.Intro = &v
	}
	if v, ok := f.Opt("phone"); ok {
		v = strings.TrimSpace(v)
		cmd.Phone = &v
	}
	if v, ok := f.Opt("email"); ok {
		v = strings.TrimSpace(v)
		cmd.Email = &v
	}
	pos, err := m.d.Identity.UpdateTravelInfo(ctx, cmd, httpapi.EventMeta(c, m.d.Clock.Now()))
	if err != nil {
		if msg := faultMessage(err); msg != "" {
			return refuse(c, msg)
		}
		return err
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	if u, err = m.d.Users.UserByID(ctx, query.UserByID{ID: id}); err != nil {
		return err
	}
	return answer(c, 200, "修改成功", infoOf(u))
}

// reset: POST /user/reset. First {email | phone, captcha}: a code is
// mailed and the session remembers the address. Then {code, captcha,
// new_password}: the password is reset.
func (m *Module) reset(c echo.Context) error {
	if c.Request().Method != http.MethodPost {
		return refuse(c, "请使用 POST 请求")
	}
	f, err := drf.ReadForm(c)
	if err != nil {
		return refuse(c, "参数错误")
	}
	if msg, err := m.checkCaptcha(c, f); err != nil {
		return err
	} else if msg != "" {
		return refuse(c, msg)
	}
	ctx, now := c.Request().Context(), m.d.Clock.Now()
	meta := httpapi.EventMeta(c, now)
	code, hasCode := f.Opt("code")
	if !hasCode {
		if phone, ok := f.Opt("phone"); ok && strings.TrimSpace(phone) != "" {
			if _, err := m.d.Users.UserByPhone(ctx, query.UserByPhone{Phone: strings.TrimSpace(phone)}); err != nil {
				return refuse(c, "找不到用户")
			}
			return refuse(c, "发送短信失败：短信服务未配置")
		}
		email, _ := f.Opt("email")
		email = strings.TrimSpace(email)
		if email == "" {
			return refuse(c, "参数错误")
		}
		if _, err := m.d.Users.UserByEmail(ctx, query.UserByEmail{Email: email}); err != nil {
			return refuse(c, "找不到用户")
		}
		req, err := m.d.Identity.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Email: email, Purpose: domain.PurposeResetPassword}, meta)
		if err != nil {
			if msg := faultMessage(err); msg != "" {
				return refuse(c, "发送邮件失败："+msg)
			}
			return err
		}
		s, _, err := m.session(c, true)
		if err != nil {
			return err
		}
		if err := m.d.Sessions.SetReset(ctx, s.ID, email, req.ExpiresAt); err != nil {
			return err
		}
		return answer(c, 200, "已发送恢复码至邮箱", nil)
	}
	newPw, ok := f.Opt("new_password")
	if !ok || newPw == "" || strings.TrimSpace(code) == "" {
		return refuse(c, "参数错误")
	}
	s, live, err := m.session(c, false)
	if err != nil {
		return err
	}
	if !live || s.ResetEmail == "" || !now.Before(s.ResetExpires) {
		return refuse(c, "未获取恢复码或已失效")
	}
	v, err := m.d.Identity.VerifyCode(ctx, identitycmd.VerifyCode{Email: s.ResetEmail, Code: code, Purpose: domain.PurposeResetPassword}, meta)
	switch {
	case errors.Is(err, domain.ErrCodeInvalid):
		return refuse(c, "恢复码错误")
	case errors.Is(err, domain.ErrCodeExpired) || errors.Is(err, domain.ErrCodeMissing):
		return refuse(c, "未获取恢复码或已失效")
	case err != nil:
		return err
	}
	pos, err := m.d.Identity.ResetPassword(ctx, identitycmd.ResetPassword{Email: s.ResetEmail, VerificationToken: v.Token, NewPassword: newPw}, meta)
	if err != nil {
		if msg := faultMessage(err); msg != "" {
			return refuse(c, "参数错误："+msg)
		}
		return err
	}
	if err := m.d.Sessions.SetReset(ctx, s.ID, "", now); err != nil {
		return err
	}
	m.d.Consistency.AfterCommand(c, pos, query.ProjectionName)
	return answer(c, 200, "修改成功", nil)
}

// VerifyRequest implements authn.RequestVerifier: a logged-in session
// cookie is the principal (scheme "session").
func (m *Module) VerifyRequest(c echo.Context) (authn.Principal, bool, error) {
	ck, err := c.Cookie(CookieName)
	if err != nil || ck.Value == "" {
		return authn.Principal{}, false, nil
	}
	s, ok, err := m.d.Sessions.Get(c.Request().Context(), ck.Value, m.d.Clock.Now())
	if err != nil || !ok || s.UserID == 0 {
		return authn.Principal{}, false, err
	}
	u, err := m.d.Users.UserByID(c.Request().Context(), query.UserByID{ID: s.UserID})
	if errors.Is(err, query.ErrNotFound) || (err == nil && !u.IsActive) {
		return authn.Principal{}, false, nil
	}
	if err != nil {
		return authn.Principal{}, false, err
	}
	return authn.Principal{UserID: domain.FormatUserID(u.ID), Username: u.Username, IsAdmin: u.IsAdmin, Scheme: "session"}, true, nil
}
