package forumhttp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
)

func want(t *testing.T, r apptest.Reply, code float64, msg string) map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Errorf("HTTP %d, want 200 always: %s", r.Status, r.Raw)
	}
	if r.Body["code"] != code || (msg != "" && r.Body["msg"] != msg) {
		t.Errorf("want %v %q, got %s", code, msg, r.Raw)
	}
	d, _ := r.Body["data"].(map[string]any)
	return d
}

func TestForum(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithTravelNoCaptcha())
	alice, au := s.TravelLogin(t)
	bob, _ := s.TravelLogin(t)
	anon := apptest.NewClient(s)
	long := strings.Repeat("长", 80)

	var pid string
	t.Run("publish needs a session and valid fields", func(t *testing.T) {
		want(t, anon.PostForm(t, "/forum/post/new", map[string]string{"title": "t", "type": "1", "text": "x"}), 403, "未登录或登录超时")
		want(t, alice.PostForm(t, "/forum/post/new", map[string]string{"title": "t", "type": "x", "text": "x"}), 403, "参数无效")
		want(t, alice.PostForm(t, "/forum/post/new", map[string]string{"title": "", "type": "1", "text": "x"}), 403, "参数无效")
		want(t, alice.Do(t, "GET", "/forum/post/new", "", nil), 403, "请使用 POST 请求")
		d := want(t, alice.PostForm(t, "/forum/post/new", map[string]string{"title": "西湖游记", "type": "2", "text": long}), 200, "操作成功")
		pid = fmt.Sprint(d["post_id"])
	})
	t.Run("detail, page and summary", func(t *testing.T) {
		d := want(t, anon.Do(t, "GET", "/forum/post/"+pid, "", nil), 200, "")
		if d["title"] != "西湖游记" || d["type"] != float64(2) || d["post_type"] != float64(2) || d["text"] != long || d["uname"] != au.Username {
			t.Errorf("post: %v", d)
		}
		r := anon.Do(t, "GET", "/forum/", "", nil)
		d = want(t, r, 200, "")
		posts, _ := d["new_posts"].([]any)
		if n, _ := d["post_num"].(float64); n < 1 || len(posts) == 0 {
			t.Fatalf("summary: %s", r.Raw)
		}
		first := posts[0].(map[string]any)
		if first["text"] != strings.Repeat("长", 50) {
			t.Errorf("summary text not cut to 50: %v", first["text"])
		}
		r = anon.Do(t, "GET", "/forum/page/1", "", nil)
		want(t, r, 200, "")
		if list, _ := r.Body["data"].([]any); len(list) == 0 {
			t.Errorf("page 1: %s", r.Raw)
		}
		want(t, anon.Do(t, "GET", "/forum/page/x", "", nil), 403, "参数无效")
		want(t, anon.Do(t, "GET", "/forum/post/999999999", "", nil), 403, "找不到文章")
	})
	t.Run("only the author edits and deletes", func(t *testing.T) {
		want(t, bob.PostForm(t, "/forum/post/"+pid+"/edit", map[string]string{"title": "改", "text": "改"}), 403, "只有作者可以修改文章")
		want(t, bob.Do(t, "GET", "/forum/post/"+pid+"/delete", "", nil), 403, "找不到文章")
		want(t, alice.PostForm(t, "/forum/post/"+pid+"/edit", map[string]string{"title": "西湖游记（二）", "text": "新的内容"}), 200, "操作成功")
		d := want(t, anon.Do(t, "GET", "/forum/post/"+pid, "", nil), 200, "")
		if d["title"] != "西湖游记（二）" || d["text"] != "新的内容" || d["type"] != float64(2) {
			t.Errorf("edited: %v", d)
		}
	})
	t.Run("likes count once per user, even concurrently", func(t *testing.T) {
		var wg sync.WaitGroup
		codes := make(chan float64, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- bob.Do(t, "GET", "/forum/post/"+pid+"/like", "", nil).Body["code"].(float64)
			}()
		}
		wg.Wait()
		close(codes)
		ok := 0
		for c := range codes {
			if c == 200 {
				ok++
			}
		}
		if ok != 1 {
			t.Errorf("%d likes took, want 1", ok)
		}
		want(t, bob.Do(t, "POST", "/forum/post/"+pid+"/like", "", nil), 403, "已经点过赞啦~")
		want(t, alice.Do(t, "POST", "/forum/post/"+pid+"/like", "", nil), 200, "操作成功")
		d := want(t, anon.Do(t, "GET", "/forum/post/"+pid, "", nil), 200, "")
		if d["like_num"] != float64(2) {
			t.Errorf("like_num %v, want 2", d["like_num"])
		}
		want(t, bob.Do(t, "GET", "/forum/post/999999999/like", "", nil), 403, "找不到文章")
	})
	t.Run("comments: post, like once, delete by the author", func(t *testing.T) {
		want(t, bob.PostForm(t, "/forum/comment/new", map[string]string{"pid": pid, "text": ""}), 403, "参数无效")
		want(t, bob.PostForm(t, "/forum/comment/new", map[string]string{"pid": "999999999", "text": "好"}), 403, "找不到文章")
		d := want(t, bob.PostForm(t, "/forum/comment/new", map[string]string{"pid": pid, "text": "好地方"}), 200, "操作成功")
		cid := fmt.Sprint(d["comment_id"])
		want(t, alice.Do(t, "GET", "/forum/comment/"+cid+"/like", "", nil), 200, "操作成功")
		want(t, alice.Do(t, "GET", "/forum/comment/"+cid+"/like", "", nil), 403, "已经点过赞啦~")
		d = want(t, anon.Do(t, "GET", "/forum/post/"+pid, "", nil), 200, "")
		cs, _ := d["comments"].([]any)
		if d["comment_num"] != float64(1) || len(cs) != 1 {
			t.Fatalf("comments: %v", d)
		}
		c := cs[0].(map[string]any)
		if c["text"] != "好地方" || c["like_num"] != float64(1) || fmt.Sprint(c["comment_id"]) != cid {
			t.Errorf("comment: %v", c)
		}
		// Liking did not delete it (the original's routing mistake).
		want(t, alice.Do(t, "GET", "/forum/comment/"+cid+"/delete", "", nil), 403, "找不到评论")
		want(t, bob.Do(t, "GET", "/forum/comment/"+cid+"/delete", "", nil), 200, "操作成功")
		d = want(t, anon.Do(t, "GET", "/forum/post/"+pid, "", nil), 200, "")
		if d["comment_num"] != float64(0) {
			t.Errorf("after delete: %v", d)
		}
	})
	t.Run("deleted posts are gone", func(t *testing.T) {
		want(t, alice.Do(t, "POST", "/forum/post/"+pid+"/delete", "", nil), 200, "操作成功")
		want(t, anon.Do(t, "GET", "/forum/post/"+pid, "", nil), 403, "找不到文章")
		want(t, bob.Do(t, "GET", "/forum/post/"+pid+"/like", "", nil), 403, "找不到文章")
	})
}
