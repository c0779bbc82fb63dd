package commentshttp_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

// Integration tests of Roamio's comments through the whole server.

type commentOut struct {
	ID           int64
	Content      string
	Page         string
	Parent       *int64
	Image        *string
	Video        *string
	RepliesCount int64 `json:"replies_count"`
	Replies      []commentOut
	Likes        int64
	LikedByMe    bool `json:"liked_by_me"`
	UserLiked    bool `json:"user_liked"`
	CanDelete    bool `json:"can_delete"`
	IsPinned     bool `json:"is_pinned"`
	User         struct {
		ID       int64
		Username string
	}
}

type pageOut struct {
	Count   int
	Results []commentOut
}

func multipartBody(t *testing.T, fields map[string]string, file, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != "" {
		fw, err := w.CreateFormFile(file, name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestComments(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	alice, bob := s.NewUser(t), s.NewUser(t)
	var trip struct{ Slug string }
	s.Do(t, "POST", "/api/v1/trip-plans/", alice.Bearer, map[string]any{"title": "大理", "visibility": "public", "status": "published"}).
		Want(t, "trip", http.StatusCreated).JSON(t, &trip)
	page := trip.Slug

	var top commentOut
	t.Run("anonymous cannot post", func(t *testing.T) {
		s.Do(t, "POST", "/api/v1/comments/", "", map[string]any{"content": "x", "page": page}).Want(t, "anonymous", http.StatusUnauthorized)
	})
	t.Run("multipart top level with an image (the web client)", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"content": "写得真好!", "page": page}, "image", "a.png", pngBytes(t))
		s.DoRaw(t, "POST", "/api/v1/comments/", bob.Bearer, ct, body).Want(t, "post", http.StatusCreated).JSON(t, &top)
		if top.Image == nil || !strings.Contains(*top.Image, "/api/v1/media/comments/") || !top.CanDelete || top.User.Username != bob.Username {
			t.Fatalf("posted = %+v", top)
		}
		img := *top.Image
		path := img[strings.Index(img, "/api/v1/"):]
		s.Do(t, "GET", path, "", nil).Want(t, "media", http.StatusOK)
	})
	t.Run("a file that is not an image is refused", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"content": "x", "page": page}, "image", "a.png", []byte("not a picture at all"))
		r := s.DoRaw(t, "POST", "/api/v1/comments/", bob.Bearer, ct, body).Want(t, "bad image", http.StatusBadRequest)
		if m := r.Map(t); m["error_code"] != "INVALID_INPUT" || m["image"] == nil {
			t.Errorf("bad image: %s", r.Body)
		}
	})
	var reply, nested commentOut
	t.Run("JSON replies nest", func(t *testing.T) {
		s.Do(t, "POST", "/api/v1/comments/", alice.Bearer, map[string]any{"content": "谢谢", "page": page, "parent": top.ID}).
			Want(t, "reply", http.StatusCreated).JSON(t, &reply)
		s.Do(t, "POST", "/api/v1/comments/", bob.Bearer, map[string]any{"content": "不客气", "page": page, "parent": reply.ID,
			"video": "https://example.com/v.mp4"}).Want(t, "nested reply", http.StatusCreated).JSON(t, &nested)
		var p pageOut
		s.Do(t, "GET", "/api/v1/comments/?trip="+page, bob.Bearer, nil).Want(t, "list", http.StatusOK).JSON(t, &p)
		if p.Count != 1 || len(p.Results) != 1 {
			t.Fatalf("top level = %+v", p)
		}
		got := p.Results[0]
		if got.RepliesCount != 1 || len(got.Replies) != 1 || got.Replies[0].ID != reply.ID || len(got.Replies[0].Replies) != 1 ||
			got.Replies[0].Replies[0].Video == nil || got.Replies[0].CanDelete {
			t.Errorf("thread = %+v", got)
		}
		s.Do(t, "GET", "/api/v1/comments/?page_filter="+page, "", nil).Want(t, "seed filter", http.StatusOK).JSON(t, &p)
		if p.Count != 1 {
			t.Errorf("page_filter count = %d", p.Count)
		}
		var replies []commentOut
		s.Do(t, "GET", fmt.Sprintf("/api/v1/comments/%d/replies/", top.ID), "", nil).Want(t, "replies", http.StatusOK).JSON(t, &replies)
		if len(replies) != 1 || replies[0].ID != reply.ID {
			t.Errorf("replies = %+v", replies)
		}
		s.Do(t, "GET", "/api/v1/trips/"+page+"/comments/", "", nil).Want(t, "trip comments", http.StatusOK).JSON(t, &p)
		if p.Count != 1 {
			t.Errorf("trip comments = %d", p.Count)
		}
		var st map[string]any
		s.Do(t, "GET", "/api/v1/trips/"+page+"/stats/", "", nil).Want(t, "stats", http.StatusOK).JSON(t, &st)
		if st["comments_count"] != float64(3) {
			t.Errorf("comments_count = %v", st["comments_count"])
		}
	})
	t.Run("a reply on another page is refused", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/v1/comments/", alice.Bearer, map[string]any{"content": "x", "page": "other", "parent": top.ID})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "parent") {
			t.Errorf("cross-page reply: %d %s", r.Status, r.Body)
		}
	})
	t.Run("page is at most 16 characters", func(t *testing.T) {
		r := s.Do(t, "POST", "/api/v1/comments/", alice.Bearer, map[string]any{"content": "x", "page": strings.Repeat("p", 17)})
		if m := r.Map(t); r.Status != http.StatusBadRequest || m["details"].(map[string]any)["page"] == nil {
			t.Errorf("long page: %d %s", r.Status, r.Body)
		}
	})
	t.Run("likes once per user", func(t *testing.T) {
		like := func(auth string) map[string]any {
			return s.Do(t, "POST", fmt.Sprintf("/api/v1/comments/%d/like/", top.ID), auth, nil).Want(t, "like", http.StatusOK).Map(t)
		}
		like(alice.Bearer)
		m := like(bob.Bearer)
		if m["likes"] != float64(2) || m["liked_by_me"] != true {
			t.Errorf("after two likes: %v", m)
		}
		m = like(bob.Bearer)
		if m["likes"] != float64(1) || m["liked_by_me"] != false {
			t.Errorf("after bob's second like (taken back): %v", m)
		}
		var got commentOut
		s.Do(t, "GET", fmt.Sprintf("/api/v1/comments/%d/", top.ID), alice.Bearer, nil).Want(t, "get", http.StatusOK).JSON(t, &got)
		if !got.UserLiked || got.Likes != 1 {
			t.Errorf("alice's view: %+v", got)
		}
	})
	t.Run("pinned first", func(t *testing.T) {
		var later commentOut
		s.Do(t, "POST", "/api/v1/comments/", alice.Bearer, map[string]any{"content": "later", "page": page}).Want(t, "later", http.StatusCreated).JSON(t, &later)
		s.Do(t, "POST", fmt.Sprintf("/api/v1/comments/%d/pin/", top.ID), bob.Bearer, nil).Want(t, "pin by user", http.StatusForbidden)
		s.Do(t, "POST", fmt.Sprintf("/api/v1/comments/%d/pin/", top.ID), s.AdminBearer(t), nil).Want(t, "pin", http.StatusOK)
		var p pageOut
		s.Do(t, "GET", "/api/v1/comments/?trip="+page, "", nil).Want(t, "list", http.StatusOK).JSON(t, &p)
		if len(p.Results) != 2 || p.Results[0].ID != top.ID || !p.Results[0].IsPinned {
			t.Errorf("order = %+v", p.Results)
		}
	})
	t.Run("edit and delete by the author or an admin only", func(t *testing.T) {
		one := fmt.Sprintf("/api/v1/comments/%d/", reply.ID)
		s.Do(t, "PATCH", one, bob.Bearer, map[string]any{"content": "hijack"}).Want(t, "other edits", http.StatusForbidden)
		s.Do(t, "DELETE", one, bob.Bearer, nil).Want(t, "other deletes", http.StatusForbidden)
		s.Do(t, "PATCH", one, alice.Bearer, map[string]any{"content": "谢谢!"}).Want(t, "author edits", http.StatusOK)
		s.Do(t, "DELETE", one, alice.Bearer, nil).Want(t, "author deletes", http.StatusNoContent)
		s.Do(t, "GET", one, "", nil).Want(t, "deleted", http.StatusNotFound)
		s.Do(t, "DELETE", fmt.Sprintf("/api/v1/comments/%d/", nested.ID), s.AdminBearer(t), nil).Want(t, "admin deletes", http.StatusNoContent)
		var prof struct {
			Stats struct {
				CommentsCount int `json:"comments_count"`
			}
		}
		s.Do(t, "GET", fmt.Sprintf("/api/v1/users/%d/profile/", int64(bob.ID)), "", nil).Want(t, "profile", http.StatusOK).JSON(t, &prof)
		if prof.Stats.CommentsCount != 1 {
			t.Errorf("bob's comments_count = %d", prof.Stats.CommentsCount)
		}
	})
}
