package accounts_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/httpapi/imagechecktest"
)

// TestRoamioAvatarMustDecode: an avatar is accepted only when it decodes
// whole as a JPEG, PNG, GIF or WebP picture of at most 4096×4096 pixels
// declared in its headers (imagecheck.Check); every refusal is DRF's 400
// naming "avatar", and nothing is stored.
func TestRoamioAvatarMustDecode(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	ann := s.NewUser(t)
	path := fmt.Sprintf("/api/v1/users/%.0f/avatar/", ann.ID)

	whole := imagechecktest.NoisyPNG(t, 64, 64)
	photo := imagechecktest.JPEG(t)
	const corrupt = "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
	huge := func(w, h int) string { return fmt.Sprintf("图片尺寸过大(%d×%d),最多 16777216 像素", w, h) }
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated PNG", whole[:len(whole)/2], corrupt},
		{"PNG header on garbage", imagechecktest.PNGHeader(16, 16, bytes.Repeat([]byte("garbage!"), 64)), corrupt},
		{"PNG header of 30000×30000", imagechecktest.PNGHeader(30000, 30000, bytes.Repeat([]byte{0}, 64)), huge(30000, 30000)},
		{"GIF screen of 30000×30000", imagechecktest.GIFScreen(30000, 30000), huge(30000, 30000)},
		{"WebP frame larger than its 1×1 canvas", imagechecktest.WebPBomb(), huge(16384, 16384)},
		{"truncated JPEG", photo[:len(photo)/2], corrupt},
		{"not an image", []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), corrupt},
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
		{"PNG", whole},
		{"JPEG", photo},
		{"GIF", imagechecktest.GIF(t)},
		{"WebP", imagechecktest.TinyWebP()},
	} {
		t.Run("accepted: "+tc.name, func(t *testing.T) {
			if r := upload(t, s, path, ann.Bearer, "avatar", "a", tc.data); r.Status != 200 || r.Body["avatar_url"] == nil {
				t.Errorf("%d %s", r.Status, r.Raw)
			}
		})
	}
}
