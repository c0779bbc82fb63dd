package travel_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/identity"
	"github.com/fiveapis/backend/transport/httpapi/imagechecktest"
)

// An avatar is taken only once it decodes (imagecheck.Check); every
// refusal is 004's envelope with a message.
func TestTravelAvatarMustDecode(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	app := newAndroidApp(t, s)
	uname := "ava_" + apptest.RandomHex(4)
	app.appCaptcha("1234")
	want(t, app.post("/user/register", map[string]string{"uname": uname, "password": md5Hex("avatar1"), "phone": "",
		"email": uname + "@example.com", "captcha": "1234"}), 200, "注册成功")
	app.appCaptcha("1234")
	want(t, app.post("/user/login", map[string]string{"user": uname, "password": md5Hex("avatar1"), "captcha": "1234"}), 200, "登录成功")
	whole := imagechecktest.NoisyPNG(t, 64, 64)

	for _, c := range []struct {
		name string
		file []byte
		msg  string
	}{
		{"a truncated PNG", whole[:len(whole)*6/10], "头像不是可以读取的图片(JPEG、PNG、GIF 或 WebP)"},
		{"a PNG header on garbage", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("garbage!"), 64)...), "头像不是可以读取的图片(JPEG、PNG、GIF 或 WebP)"},
		{"a 30000×30000 image header", imagechecktest.PNGHeader(30000, 30000, bytes.Repeat([]byte{0}, 64)), "头像尺寸过大(30000×30000),最多 16777216 像素"},
		{"a file over the size limit", append(whole, make([]byte, identity.MaxAvatarBytes)...), "头像文件过大,最多 2 MiB"},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			app.t = t
			r := app.send(avatarUpload(t, s.URL, "1", c.file))
			want(t, r, 403, c.msg)
			wantTypes(t, "BasePojo", r.Body, basePojo)
		})
	}
	t.Run("a request without the avatar is refused", func(t *testing.T) {
		app.t = t
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("uid", "1")
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/user/avatar", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		want(t, app.send(req), 403, "未获取到avatar")
	})
	t.Run("a whole PNG is taken", func(t *testing.T) {
		app.t = t
		want(t, app.send(avatarUpload(t, s.URL, "1", whole)), 200, "成功地修改了头像")
	})
}
