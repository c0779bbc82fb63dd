package accounts_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// noise is a w×h picture that does not compress to nothing.
func noise(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7919 % 251)
	}
	return m
}

func encoded(t *testing.T, encode func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngWithSize is a valid 1×1 PNG whose header (IHDR, with a right CRC)
// declares w×h.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	data := encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, noise(1, 1)) })
	// signature (8), IHDR length (4), "IHDR" (4), width, height, …, CRC.
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// gifWithScreen is a 1×1 GIF whose logical screen is w×h.
func gifWithScreen(t *testing.T, w, h uint16) []byte {
	t.Helper()
	pal := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.Black, color.White})
	data := encoded(t, func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) })
	binary.LittleEndian.PutUint16(data[6:], w)
	binary.LittleEndian.PutUint16(data[8:], h)
	return data
}

// A 1×1 lossless WebP.
var tinyWebP, _ = base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

// TestRoamioAvatarMustDecode: an avatar is accepted only when its magic
// bytes name an accepted format, its declared size is within the limits and
// its pixels decode; every refusal is DRF's 400 naming "avatar", and
// nothing is stored.
func TestRoamioAvatarMustDecode(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	ann := s.NewUser(t)
	path := fmt.Sprintf("/api/v1/users/%.0f/avatar/", ann.ID)

	bigPNG := encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, noise(64, 64)) })
	bigJPEG := encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, noise(64, 64), nil) })
	pngHeader := pngWithSize(t, 1, 1)[:33] // signature and IHDR

	const (
		corrupt = "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
		huge    = "图片尺寸过大: 不能超过 16777216 像素, 每边不超过 8192 像素"
		format  = "只支持 JPG、PNG、GIF、WebP 格式的图片"
	)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated PNG", bigPNG[:len(bigPNG)/2], corrupt},
		{"PNG header on garbage", append(append([]byte{}, pngHeader...), bytes.Repeat([]byte("garbage!"), 64)...), corrupt},
		{"PNG header of 30000×30000", pngWithSize(t, 30000, 30000), huge},
		{"PNG header of 1×30000", pngWithSize(t, 1, 30000), huge},
		{"GIF screen of 30000×30000", gifWithScreen(t, 30000, 30000), huge},
		{"truncated JPEG", bigJPEG[:len(bigJPEG)/2], corrupt},
		{"WebP header on garbage", append(append([]byte{}, tinyWebP[:20]...), bytes.Repeat([]byte{0xff}, 64)...), corrupt},
		{"not an image", []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), format},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			r := upload(t, s, path, ann.Bearer, "avatar", "a.png", tc.data)
			if diff := cmp.Diff(map[string]any{"avatar": []any{tc.want}}, r.Body); r.Status != 400 || diff != "" {
				t.Errorf("%d (-want +got):\n%s", r.Status, diff)
			}
		})
	}
	t.Run("refused uploads left no avatar", func(t *testing.T) {
		me := apptest.NewClient(s).Do(t, "GET", "/api/v1/auth/me/", ann.Bearer, nil)
		if prof, _ := me.Body["profile"].(map[string]any); me.Status != 200 || prof["avatar"] != nil {
			t.Errorf("me: %d %s", me.Status, me.Raw)
		}
	})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"PNG", bigPNG},
		{"JPEG", bigJPEG},
		{"GIF", gifWithScreen(t, 1, 1)},
		{"WebP", tinyWebP},
	} {
		t.Run("accepted: "+tc.name, func(t *testing.T) {
			if r := upload(t, s, path, ann.Bearer, "avatar", "a", tc.data); r.Status != 200 || r.Body["avatar_url"] == nil {
				t.Errorf("%d %s", r.Status, r.Raw)
			}
		})
	}
}
