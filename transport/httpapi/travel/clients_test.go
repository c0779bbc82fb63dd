package travel_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/travel"
	"github.com/fiveapis/backend/transport/sessions"
)

// The Travellog Android app (shared/clients.md §5): Retrofit over OkHttp
// with a persistent cookie jar, paths without a trailing slash, forms
// (application/x-www-form-urlencoded), passwords as their md5 hex, every
// answer read through BasePojo {code, msg} and Gson's types.

// okHTTPAgent is what OkHttp sends when the app sets no User-Agent.
const okHTTPAgent = "okhttp/3.12.12"

// md5Hex is the app's StringUtil.md5: lowercase hex.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newAndroidApp is a travelClient that sends what the app's OkHttp sends.
func newAndroidApp(t *testing.T, s *apptest.Server) *travelClient {
	c := apptest.NewClient(s)
	c.Headers = map[string]string{"User-Agent": okHTTPAgent}
	return &travelClient{Client: c, t: t}
}

// wantTypes checks the JSON types of the fields the app reads of obj.
func wantTypes(t *testing.T, what string, obj map[string]any, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k := range want {
		got[k] = apptest.JSONType(obj[k])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: field types (-want +got):\n%s", what, diff)
	}
}

// basePojo is BasePojo: code (int) and msg (String).
var basePojo = map[string]string{"code": "int", "msg": "string"}

// userPojo is UserPojo.DataBean: uid and gender Integer, the rest String.
var userPojo = map[string]string{"uid": "int", "uname": "string", "phone": "string", "email": "string",
	"gender": "int", "intro": "string", "avatar": "string"}

// wantUserPojo checks a UserPojo answer and returns its data.
func wantUserPojo(t *testing.T, r apptest.Reply) map[string]any {
	t.Helper()
	wantTypes(t, "UserPojo", r.Body, map[string]string{"code": "int", "msg": "string", "data": "object"})
	data, _ := r.Body["data"].(map[string]any)
	wantTypes(t, "UserPojo.data", data, userPojo)
	return data
}

// appCaptcha fetches the captcha as the app does (ImagePojo: data[0].img
// in base64, decoded to a bitmap) and then gives the session a known
// answer.
func (tc *travelClient) appCaptcha(answer string) {
	t := tc.t
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tc.S.URL+"/user/captcha", nil)
	r := tc.send(req)
	wantTypes(t, "ImagePojo", r.Body, map[string]string{"code": "int", "msg": "string", "data": "list"})
	if r.Body["code"] != 200.0 {
		t.Fatalf("captcha: %s", r.Raw)
	}
	images, _ := r.Body["data"].([]any)
	if len(images) == 0 {
		t.Fatalf("captcha without an image: %s", r.Raw)
	}
	first, _ := images[0].(map[string]any)
	wantTypes(t, "ImagePojo.data[0]", first, map[string]string{"index": "int", "img": "string"})
	raw, err := base64.StdEncoding.DecodeString(first["img"].(string))
	if err != nil {
		t.Fatalf("captcha img is not plain base64: %v", err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("captcha img is not a PNG: %v", err)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("captcha cacheable (the app's OkHttp has a cache): %v", r.Header)
	}
	tc.setCaptchaAnswer(answer)
}

// setCaptchaAnswer gives the session's pending captcha a known answer.
func (tc *travelClient) setCaptchaAnswer(answer string) {
	t := tc.t
	t.Helper()
	ck := tc.Cookie(travel.CookieName)
	if ck == nil {
		t.Fatal("no session cookie")
	}
	tag, err := tc.S.App.Pool().Exec(context.Background(), `UPDATE sessions.sessions SET captcha_hash = $2 WHERE id_hash = $1`,
		sessions.Key(ck.Value), travel.CaptchaKey(answer))
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("set captcha: %v", err)
	}
}

// avatarUpload is MineFragment's multipart body: uid, code "travel" and
// the picked file under its full path, typed image/*.
func avatarUpload(t *testing.T, url, uid string, file []byte) *http.Request {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("uid", uid)
	_ = w.WriteField("code", "travel")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="avatar"; filename="/storage/emulated/0/Pictures/picCache/IMG_0001.jpg"`)
	h.Set("Content-Type", "image/*")
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(file)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, url+"/user/avatar", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// photo is a small JPEG, as a phone camera makes.
func photo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 90, A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTravellogAndroidClient(t *testing.T) {
	t.Parallel()
	s, smtp := apptest.StartWithMail(t, nil)
	app := newAndroidApp(t, s)
	uname := "app_" + apptest.RandomHex(4)
	email := uname + "@example.com"
	phone := fmt.Sprintf("136%08d", time.Now().UnixNano()%100000000)
	const typed = "trip66" // the app asks for 6 characters or more
	var uid string

	t.Run("GET user/captcha: JSON, data[0].img a base64 PNG", func(t *testing.T) {
		app.t = t
		app.appCaptcha("1234")
	})
	t.Run("POST user/register: uname, password (md5), phone, email, captcha", func(t *testing.T) {
		app.t = t
		app.appCaptcha("1234")
		r := app.post("/user/register", map[string]string{"uname": uname, "password": md5Hex(typed), "phone": phone, "email": email, "captcha": "1234"})
		want(t, r, 200, "注册成功")
		data := wantUserPojo(t, r)
		uid = fmt.Sprintf("%.0f", data["uid"])
	})
	t.Run("POST user/register with the phone left empty", func(t *testing.T) {
		app.t = t
		app.appCaptcha("1234")
		other := "app_" + apptest.RandomHex(4)
		r := app.post("/user/register", map[string]string{"uname": other, "password": md5Hex(typed), "phone": "", "email": other + "@example.com", "captcha": "1234"})
		want(t, r, 200, "注册成功")
		wantTypes(t, "BasePojo", r.Body, basePojo)
	})
	t.Run("POST user/register refused: code and msg", func(t *testing.T) {
		app.t = t
		app.appCaptcha("1234")
		r := app.post("/user/register", map[string]string{"uname": uname, "password": md5Hex(typed), "phone": "", "email": "x" + email, "captcha": "1234"})
		want(t, r, 403, "用户名已存在")
		wantTypes(t, "BasePojo", r.Body, basePojo)
	})
	t.Run("POST user/login: user, password (md5), captcha → the user and the session cookie", func(t *testing.T) {
		app.t = t
		for _, user := range []string{uname, email, phone, uid} {
			app.Cookies = nil
			app.appCaptcha("4321")
			r := app.post("/user/login", map[string]string{"user": user, "password": md5Hex(typed), "captcha": "4321"})
			want(t, r, 200, "登录成功")
			if data := wantUserPojo(t, r); data["uname"] != uname || data["email"] != email || data["phone"] != phone {
				t.Errorf("login as %s: %s", user, r.Raw)
			}
			if app.Cookie(travel.CookieName) == nil {
				t.Errorf("login as %s: no session cookie", user)
			}
		}
	})
	t.Run("POST user/login refused: code and msg, data null", func(t *testing.T) {
		app.t = t
		app.appCaptcha("4321")
		r := app.post("/user/login", map[string]string{"user": uname, "password": md5Hex("wrong1"), "captcha": "4321"})
		want(t, r, 403, "密码错误")
		wantTypes(t, "UserPojo", r.Body, map[string]string{"code": "int", "msg": "string", "data": "null"})
		app.appCaptcha("4321")
		want(t, app.post("/user/login", map[string]string{"user": uname, "password": md5Hex(typed), "captcha": "4321"}), 200, "登录成功")
	})
	t.Run("GET user/info → the user", func(t *testing.T) {
		app.t = t
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/user/info", nil)
		r := app.send(req)
		want(t, r, 200, "")
		if data := wantUserPojo(t, r); data["uname"] != uname {
			t.Errorf("info: %s", r.Raw)
		}
	})
	t.Run("POST user/info: gender, phone, email, intro → the user", func(t *testing.T) {
		app.t = t
		r := app.post("/user/info", map[string]string{"gender": "1", "phone": phone, "email": email, "intro": "去旅行"})
		want(t, r, 200, "修改成功")
		if data := wantUserPojo(t, r); data["gender"] != 1.0 || data["intro"] != "去旅行" {
			t.Errorf("info update: %s", r.Raw)
		}
	})
	t.Run("POST user/info with phone and email left empty keeps them", func(t *testing.T) {
		app.t = t
		r := app.post("/user/info", map[string]string{"gender": "2", "phone": "", "email": "", "intro": ""})
		want(t, r, 200, "修改成功")
		if data := wantUserPojo(t, r); data["phone"] != phone || data["email"] != email || data["gender"] != 2.0 || data["intro"] != "" {
			t.Errorf("info with empty fields: %s", r.Raw)
		}
	})
	t.Run("POST user/info refused still answers the user (the app reads data.uid)", func(t *testing.T) {
		app.t = t
		r := app.post("/user/info", map[string]string{"gender": "1", "phone": "12345", "email": "", "intro": "x"})
		want(t, r, 403, "手机号格式不正确")
		if data := wantUserPojo(t, r); data["phone"] != phone || data["gender"] != 2.0 {
			t.Errorf("refused info: %s", r.Raw)
		}
	})
	t.Run("POST user/avatar: multipart uid, code, avatar (image/*)", func(t *testing.T) {
		app.t = t
		r := app.send(avatarUpload(t, s.URL, uid, photo(t)))
		want(t, r, 200, "成功地修改了头像")
		wantTypes(t, "BasePojo", r.Body, basePojo)
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/user/info", nil)
		avatar, _ := app.send(req).Body["data"].(map[string]any)["avatar"].(string)
		// The app loads URL.IMAGE_URL + avatar, IMAGE_URL without a slash.
		if len(avatar) < 2 || avatar[0] != '/' {
			t.Fatalf("avatar %q", avatar)
		}
		resp, err := s.Client.Get(s.URL + avatar)
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("avatar %s not served: %v %v", avatar, err, resp)
		}
		resp.Body.Close()
	})
	t.Run("POST user/password: old_password, new_password (md5)", func(t *testing.T) {
		app.t = t
		r := app.post("/user/password", map[string]string{"old_password": md5Hex(typed), "new_password": md5Hex("trip77")})
		want(t, r, 200, "成功地修改了密码")
		wantTypes(t, "BasePojo", r.Body, basePojo)
		r = app.post("/user/password", map[string]string{"old_password": md5Hex(typed), "new_password": md5Hex("trip88")})
		want(t, r, 403, "旧密码错误")
		wantTypes(t, "BasePojo", r.Body, basePojo)
	})
	t.Run("POST user/reset with a phone: code and msg", func(t *testing.T) {
		app.t = t
		app.Cookies = nil
		app.appCaptcha("1111")
		r := app.post("/user/reset", map[string]string{"phone": phone, "captcha": "1111"})
		want(t, r, 403, "")
		wantTypes(t, "BasePojo", r.Body, basePojo)
	})
	t.Run("POST user/reset: email, captcha; then code, captcha, new_password (md5)", func(t *testing.T) {
		app.t = t
		app.Cookies = nil
		app.appCaptcha("1111")
		r := app.post("/user/reset", map[string]string{"email": email, "captcha": "1111"})
		want(t, r, 200, "已发送恢复码至邮箱")
		wantTypes(t, "BasePojo", r.Body, basePojo)
		code := apptest.Code(smtp.WaitFor(t, email, nil, 15*time.Second).Body)
		app.appCaptcha("2222")
		r = app.post("/user/reset", map[string]string{"code": code, "captcha": "2222", "new_password": md5Hex("trip99")})
		want(t, r, 200, "修改成功")
		wantTypes(t, "BasePojo", r.Body, basePojo)
		app.appCaptcha("3333")
		want(t, app.post("/user/login", map[string]string{"user": uname, "password": md5Hex("trip99"), "captcha": "3333"}), 200, "登录成功")
	})
	t.Run("POST user/logout (the seed's; the app only forgets its state)", func(t *testing.T) {
		app.t = t
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/user/logout", nil)
		r := app.send(req)
		want(t, r, 200, "已清除登录信息")
		wantTypes(t, "BasePojo", r.Body, basePojo)
	})
}
