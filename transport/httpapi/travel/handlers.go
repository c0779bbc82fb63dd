package travel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	identitycmd "github.com/fiveapis/backend/commands/identity"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/identity"
	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
)

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

func infoOf(u identityq.User) userInfo {
	avatar := ""
	if u.AvatarKey != "" {
		avatar = "/media/avatars/" + u.AvatarKey
	}
	return userInfo{UID: u.ID, Uname: u.Username, Phone: u.Phone, Email: u.Email, Gender: u.Gender, Intro: u.Intro, Avatar: avatar}
}

// readForm decodes the body; one that cannot be decoded is refused with msg.
func readForm(c echo.Context, msg string) (drf.Form, error) {
	f, err := drf.ReadForm(c)
	if err != nil {
		return f, Refusal(msg)
	}
	return f, nil
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

func (m *Module) lookup(ctx context.Context, kind, ident string) (identityq.User, error) {
	switch kind {
	case "uid":
		id, ok := identity.ParseUserID(ident)
		if !ok {
			return identityq.User{}, identityq.ErrNotFound
		}
		return m.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
	case "phone":
		return m.d.Users.UserByPhone(ctx, identityq.UserByPhone{Phone: ident})
	case "email":
		return m.d.Users.UserByEmail(ctx, identityq.UserByEmail{Email: ident})
	}
	return m.d.Users.UserByUsername(ctx, identityq.UserByUsername{Username: ident})
}

// login: POST /user/login {user | uid | uname | phone | email, password,
// captcha, no_captcha} → the user; the session is logged in. Every
// password of 004 is read in identitycmd.MD5HexForm (the Travellog app
// sends its md5 hex; docs/identity.md). Password attempts are limited by
// the command.
func (m *Module) login(c echo.Context) error {
	f, err := readForm(c, "无效参数")
	if err != nil {
		return err
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
		return Refusal("无效参数")
	}
	if err := m.checkCaptcha(c, f); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := m.lookup(ctx, kind, ident); errors.Is(err, identityq.ErrNotFound) {
		return Refusal("无此用户")
	} else if err != nil {
		return err
	}
	li, err := m.d.Identity.LoginAs(ctx, identitycmd.LoginAs{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Kind: kind, Identifier: ident,
		Password: password, PasswordForm: identitycmd.MD5HexForm})
	if errors.Is(err, identity.ErrBadCredentials) || errors.Is(err, identity.ErrUserInactive) {
		return Refusal("密码错误")
	}
	if err != nil {
		return err
	}
	s, _, err := m.session(c, true)
	if err != nil {
		return err
	}
	if err := m.d.Sessions.SetUser(ctx, s.ID, li.User.ID); err != nil {
		return err
	}
	return m.userAnswer(c, li.User.ID, "登录成功")
}

// userAnswer answers the user as the read model has them once it has the
// request's own events.
func (m *Module) userAnswer(c echo.Context, id int64, msg string) error {
	httpapi.Settle(c)
	u, err := m.d.Users.UserByID(c.Request().Context(), identityq.UserByID{ID: id})
	if err != nil {
		return err
	}
	return answer(c, 200, msg, infoOf(u))
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
func validUname(s string) error {
	allDigits := true
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return Refusal("用户名包含特殊字符")
		}
		if !unicode.IsDigit(r) {
			allDigits = false
		}
	}
	if allDigits {
		return Refusal("用户名不能全为数字")
	}
	return nil
}

// register: POST /user/register {uname, phone | email, password, captcha,
// no_captcha} → the new user (not logged in), its password stored in the
// md5 scheme.
func (m *Module) register(c echo.Context) error {
	f, err := readForm(c, "无效参数")
	if err != nil {
		return err
	}
	uname, _ := f.Opt("uname")
	password, _ := f.Opt("password")
	phone, _ := f.Opt("phone")
	email, _ := f.Opt("email")
	uname, phone, email = strings.TrimSpace(uname), strings.TrimSpace(phone), strings.TrimSpace(email)
	switch {
	case uname == "" || password == "":
		return Refusal("无效参数：缺少用户名或密码")
	case phone == "" && email == "":
		return Refusal("无效参数：缺少手机或邮箱")
	}
	if err := validUname(uname); err != nil {
		return err
	}
	if _, err := identity.NewPhone(phone); err != nil {
		return Refusal(identity.ErrPhoneFormatMessage)
	}
	if err := m.checkCaptcha(c, f); err != nil {
		return err
	}
	reg, err := m.d.Identity.Register(c.Request().Context(), identitycmd.Register{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Username: uname, Email: email, Password: password, PasswordForm: identitycmd.MD5HexForm, Phone: phone})
	switch {
	case errors.Is(err, identity.ErrUsernameTaken):
		return Refusal("用户名已存在")
	case err != nil:
		return withPrefix("注册错误：", err)
	}
	return m.userAnswer(c, reg.User.ID, "注册成功")
}

// password: POST /user/password {old_password, new_password} (logged in).
// The old password is checked within the attempt limits (the command's).
func (m *Module) password(c echo.Context) error {
	f, err := readForm(c, "无效参数")
	if err != nil {
		return err
	}
	oldPw, ok1 := f.Opt("old_password")
	newPw, ok2 := f.Opt("new_password")
	if !ok1 || !ok2 || oldPw == "" || newPw == "" {
		return Refusal("无效参数")
	}
	_, err = m.d.Identity.ChangePassword(c.Request().Context(), identitycmd.ChangePassword{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Actor: httpapi.Actor(c), OldPassword: oldPw, NewPassword: newPw, PasswordForm: identitycmd.MD5HexForm})
	if err != nil {
		if f, ok := fault.As(err); ok && f.Field == "old_password" {
			return Refusal("旧密码错误")
		}
		switch {
		case errors.Is(err, identity.ErrTooManyAttempts):
			return Refusal("尝试次数过多,请稍后再试")
		case errors.Is(err, identity.ErrUserNotFound):
			return Refusal("无此用户")
		case faultMessage(err) != "":
			return withPrefix("无效参数：", err)
		case errors.Is(err, identity.ErrNoPassword):
			return Refusal("旧密码错误")
		}
		return err
	}
	return answer(c, 200, "成功地修改了密码", nil)
}

// avatar: POST /user/avatar (multipart "avatar", logged in) → the avatar's
// path. The image must decode (imagecheck.Check: JPEG, PNG, GIF or WebP,
// at most imagecheck.MaxPixels); the app's extra fields "uid" and "code"
// are ignored (the session names the user).
func (m *Module) avatar(c echo.Context) error {
	if m.d.Files == nil {
		return Refusal("服务器错误")
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, identity.MaxAvatarBytes+64<<10)
	fh, err := c.FormFile("avatar")
	if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) || (err == nil && fh.Size > identity.MaxAvatarBytes) {
		return Refusal(fmt.Sprintf("头像文件过大,最多 %d MiB", identity.MaxAvatarBytes>>20))
	}
	if err != nil {
		return Refusal("未获取到avatar")
	}
	file, err := fh.Open()
	if err != nil {
		return Refusal("未获取到avatar")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, identity.MaxAvatarBytes+1))
	if err != nil || len(data) == 0 {
		return Refusal("未获取到avatar")
	}
	img, err := imagecheck.Check(data, imagecheck.MaxPixels)
	var pixels imagecheck.TooManyPixelsError
	switch {
	case errors.As(err, &pixels):
		return Refusal(fmt.Sprintf("头像尺寸过大(%d×%d),最多 %d 像素", pixels.Width, pixels.Height, pixels.Max))
	case err != nil:
		return Refusal("头像不是可以读取的图片(JPEG、PNG、GIF 或 WebP)")
	}
	key, err := m.d.Files.Put(data, img.Ext)
	if err != nil {
		return err
	}
	actor := httpapi.Actor(c)
	if _, err := m.d.Identity.ChangeAvatar(c.Request().Context(), identitycmd.ChangeAvatar{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Actor: actor, UserID: actor.UserID, FileKey: key, ContentType: img.ContentType, Size: int64(len(data))}); err != nil {
		return err
	}
	return answer(c, 200, "成功地修改了头像", map[string]string{"avatar": "/media/avatars/" + key})
}

// info: GET /user/info → the user; POST {gender, phone, email, intro}
// changes them (logged in). An empty phone or e-mail is left as it is: the
// Travellog app sends all four fields, those it did not fill in empty.
// A refused change answers the user as they are (the app reads data.uid
// whatever the code).
func (m *Module) info(c echo.Context) error {
	ctx, id := c.Request().Context(), httpapi.Actor(c).UserID
	u, err := m.d.Users.UserByID(ctx, identityq.UserByID{ID: id})
	if errors.Is(err, identityq.ErrNotFound) {
		return Refusal("无此用户")
	}
	if err != nil {
		return err
	}
	if c.Request().Method != http.MethodPost {
		return answer(c, 200, "获取成功", infoOf(u))
	}
	if err := m.updateInfo(c, u); err != nil {
		// A part may have been applied before the refusal (the phone
		// before a taken address).
		httpapi.Settle(c)
		if now, rerr := m.d.Users.UserByID(ctx, identityq.UserByID{ID: id}); rerr == nil {
			u = now
		}
		return withData(err, infoOf(u))
	}
	return m.userAnswer(c, id, "修改成功")
}

// updateInfo applies POST /user/info's form to u.
func (m *Module) updateInfo(c echo.Context, u identityq.User) error {
	f, err := readForm(c, "无效参数")
	if err != nil {
		return err
	}
	cmd := identitycmd.UpdateTravelInfo{Meta: httpapi.EventMeta(c, m.d.Clock.Now()), Actor: httpapi.Actor(c), CurrentGender: u.Gender, CurrentIntro: u.Intro}
	if v, ok := f.Opt("gender"); ok {
		g, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return Refusal("无效参数：gender")
		}
		cmd.Gender = &g
	}
	if v, ok := f.Opt("intro"); ok {
		cmd.Intro = &v
	}
	if v, _ := f.Opt("phone"); strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		cmd.Phone = &v
	}
	if v, _ := f.Opt("email"); strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		cmd.Email = &v
	}
	if _, err := m.d.Identity.UpdateTravelInfo(c.Request().Context(), cmd); err != nil {
		return withPrefix("", err)
	}
	return nil
}

// reset: POST /user/reset. First {email | phone, captcha}: a code is
// mailed (within the code limits of the command) and the session remembers
// the address. Then {code, captcha, new_password}: the password is reset.
func (m *Module) reset(c echo.Context) error {
	f, err := readForm(c, "参数错误")
	if err != nil {
		return err
	}
	if err := m.checkCaptcha(c, f); err != nil {
		return err
	}
	if code, hasCode := f.Opt("code"); hasCode {
		return m.resetWithCode(c, f, code)
	}
	ctx := c.Request().Context()
	if phone, ok := f.Opt("phone"); ok && strings.TrimSpace(phone) != "" {
		if _, err := m.d.Users.UserByPhone(ctx, identityq.UserByPhone{Phone: strings.TrimSpace(phone)}); err != nil {
			return Refusal("找不到用户")
		}
		return Refusal("发送短信失败：短信服务未配置")
	}
	email, _ := f.Opt("email")
	email = strings.TrimSpace(email)
	if email == "" {
		return Refusal("参数错误")
	}
	if _, err := m.d.Users.UserByEmail(ctx, identityq.UserByEmail{Email: email}); err != nil {
		return Refusal("找不到用户")
	}
	req, err := m.d.Identity.RequestVerificationCode(ctx, identitycmd.RequestVerificationCode{Meta: httpapi.EventMeta(c, m.d.Clock.Now()),
		Email: email, Purpose: identity.PurposeResetPassword})
	if err != nil {
		return withPrefix("发送邮件失败：", err)
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

// resetWithCode is the reset's second step: the code mailed to the
// session's address and the new password.
func (m *Module) resetWithCode(c echo.Context, f drf.Form, code string) error {
	ctx, now := c.Request().Context(), m.d.Clock.Now()
	meta := httpapi.EventMeta(c, now)
	newPw, ok := f.Opt("new_password")
	if !ok || newPw == "" || strings.TrimSpace(code) == "" {
		return Refusal("参数错误")
	}
	s, live, err := m.session(c, false)
	if err != nil {
		return err
	}
	if !live || s.ResetEmail == "" || !now.Before(s.ResetExpires) {
		return Refusal("未获取恢复码或已失效")
	}
	v, err := m.d.Identity.VerifyCode(ctx, identitycmd.VerifyCode{Meta: meta, Email: s.ResetEmail, Code: code, Purpose: identity.PurposeResetPassword})
	switch {
	case errors.Is(err, identity.ErrCodeInvalid):
		return Refusal("恢复码错误")
	case errors.Is(err, identity.ErrCodeExpired) || errors.Is(err, identity.ErrCodeMissing):
		return Refusal("未获取恢复码或已失效")
	case err != nil:
		return err
	}
	if _, err := m.d.Identity.ResetPassword(ctx, identitycmd.ResetPassword{Meta: meta, Email: s.ResetEmail, VerificationToken: v.Token,
		NewPassword: newPw, PasswordForm: identitycmd.MD5HexForm}); err != nil {
		return withPrefix("参数错误：", err)
	}
	if err := m.d.Sessions.SetReset(ctx, s.ID, "", now); err != nil {
		return err
	}
	return answer(c, 200, "修改成功", nil)
}
