package guideshttp_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/guides"
)

// Integration tests of 001's service guides through the whole server.

// guideUpload sends a multipart upload (apptest's UploadGuide).
func guideUpload(t *testing.T, s *apptest.Server, method, path, auth string, fields map[string]string, name string, data []byte) apptest.Response {
	t.Helper()
	return s.UploadGuide(t, method, path, auth, fields, name, data)
}

func TestGuidesAdminAndDownload(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u := s.NewUser(t)
	user := s.HHUToken(t, u.Username, u.Password)
	var forms, rules, leave, other int64 // categories and guides
	pdf := bytes.Repeat([]byte("%PDF-1.4 请假\n"), 200)

	t.Run("categories are admin business, lists need a user", func(t *testing.T) {
		s.Do(t, "POST", "/api/admin/hhu/guides/categories/", user, map[string]any{"name": "x"}).Want(t, "user adds a category", http.StatusForbidden)
		s.Do(t, "GET", "/guides/", "", nil).Want(t, "anonymous list", http.StatusUnauthorized)
	})
	t.Run("an admin adds categories with names", func(t *testing.T) {
		s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": " "}).WantField(t, "blank category", "name")
		forms = s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "常用表格"}).Want(t, "add category", http.StatusCreated).ID(t)
		rules = s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "规章"}).Want(t, "add category", http.StatusCreated).ID(t)
	})
	t.Run("an admin renames a category", func(t *testing.T) {
		r := s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, map[string]any{"name": "规章制度"}).Want(t, "rename", http.StatusOK)
		if r.Map(t)["name"] != "规章制度" {
			t.Fatalf("rename: %s", r.Body)
		}
		// A partial update without the name changes nothing; a full one needs it.
		r = s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, map[string]any{}).Want(t, "patch without a name", http.StatusOK)
		if r.Map(t)["name"] != "规章制度" {
			t.Fatalf("patch without a name: %s", r.Body)
		}
		s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, map[string]any{}).WantField(t, "put without a name", "name")
		s.Do(t, "PUT", "/api/admin/hhu/guides/categories/999/", admin, map[string]any{"name": "x"}).Want(t, "rename an unknown category", http.StatusNotFound)
		s.Do(t, "GET", "/api/admin/hhu/guides/categories/999/", admin, nil).Want(t, "unknown category", http.StatusNotFound)
	})

	t.Run("bad uploads name the field", func(t *testing.T) {
		// Uploads: bad input names the field; nothing is stored.
		cat := fmt.Sprint(forms)
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": cat}, "", nil).WantField(t, "no file", "file")
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": cat}, "a.pdf", nil).WantField(t, "empty file", "file")
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"category": cat}, "a.pdf", pdf).WantField(t, "no title", "title")
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": "999"}, "a.pdf", pdf).WantField(t, "unknown category", "category")
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": "abc"}, "a.pdf", pdf).WantField(t, "bad category", "category")
		s.Do(t, "POST", "/api/admin/hhu/guides/", admin, map[string]any{"title": "t", "category": forms, "file": "x"}).WantField(t, "JSON upload", "file")
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": cat}, "big.pdf", make([]byte, guides.MaxFileSize+1)).WantField(t, "file over the limit", "file")
		guideUpload(t, s, "POST", "/api/admin/hhu/guides/", user, map[string]string{"title": "t", "category": cat}, "a.pdf", pdf).Want(t, "user uploads", http.StatusForbidden)
	})

	t.Run("an admin uploads guides", func(t *testing.T) {
		r := guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "请假申请表", "category": fmt.Sprint(forms)}, "请假 申请表.pdf", pdf).Want(t, "upload", http.StatusCreated)
		leave = r.ID(t)
		if m := r.Map(t); m["file_name"] != "请假 申请表.pdf" || m["size"] != float64(len(pdf)) || m["category_name"] != "常用表格" || len(m["sha256"].(string)) != 64 {
			t.Fatalf("uploaded: %s", r.Body)
		}
		other = guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "考勤办法", "category": fmt.Sprint(rules)}, "rules.pdf", []byte("rules")).Want(t, "upload", http.StatusCreated).ID(t)
	})

	t.Run("users list guides, by category", func(t *testing.T) {
		// Users list, filter and download.
		var list []struct {
			ID           int64
			Title        string
			Category     int64
			CategoryName string `json:"category_name"`
		}
		s.Do(t, "GET", "/guides/", user, nil).Want(t, "list", http.StatusOK).JSON(t, &list)
		if len(list) != 2 || list[0].ID != leave || list[1].ID != other {
			t.Fatalf("list: %+v", list)
		}
		s.Do(t, "GET", fmt.Sprintf("/guides/?category=%d", rules), user, nil).Want(t, "filter", http.StatusOK).JSON(t, &list)
		if len(list) != 1 || list[0].ID != other || list[0].CategoryName != "规章制度" {
			t.Fatalf("filtered: %+v", list)
		}
		s.Do(t, "GET", "/guides/?category=x", user, nil).WantField(t, "bad filter", "category")
	})
	t.Run("users download the file", func(t *testing.T) {
		r := s.Do(t, "GET", fmt.Sprintf("/guides/%d", leave), user, nil).Want(t, "download", http.StatusOK)
		if !bytes.Equal(r.Body, pdf) || r.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %q %d bytes", r.Header.Get("Content-Type"), len(r.Body))
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename*=UTF-8''%E8%AF%B7%E5%81%87%20%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf`) ||
			!strings.HasPrefix(cd, `attachment; filename="`) {
			t.Fatalf("Content-Disposition %q", cd)
		}
		s.Do(t, "GET", fmt.Sprintf("/guides/%d/", leave), user, nil).Want(t, "download with slash", http.StatusOK)
		s.Do(t, "GET", "/guides/999", user, nil).Want(t, "unknown guide", http.StatusNotFound)
		s.Do(t, "GET", "/guides/abc", user, nil).Want(t, "malformed id", http.StatusNotFound)
	})

	t.Run("an admin replaces the file and edits the title", func(t *testing.T) {
		// Replace the file (PUT), edit the title (PATCH).
		cat := fmt.Sprint(forms)
		v2 := []byte("%PDF-1.4 version 2")
		r := guideUpload(t, s, "PUT", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]string{"title": "请假申请表（新）", "category": cat}, "leave-v2.pdf", v2).Want(t, "replace", http.StatusOK)
		if m := r.Map(t); m["file_name"] != "leave-v2.pdf" || m["title"] != "请假申请表（新）" {
			t.Fatalf("replaced: %s", r.Body)
		}
		guideUpload(t, s, "PUT", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]string{"title": "x", "category": cat}, "", nil).WantField(t, "PUT without file", "file")
		r = s.Do(t, "GET", fmt.Sprintf("/guides/%d", leave), user, nil).Want(t, "download v2", http.StatusOK)
		if !bytes.Equal(r.Body, v2) {
			t.Fatalf("download after replace: %q", r.Body)
		}
		r = s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]any{"title": "请假表"}).Want(t, "patch title", http.StatusOK)
		if m := r.Map(t); m["title"] != "请假表" || m["file_name"] != "leave-v2.pdf" {
			t.Fatalf("patched: %s", r.Body)
		}
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]any{"category": 999}).WantField(t, "move to unknown category", "category")
	})

	t.Run("a category with guides cannot be removed, an empty one can", func(t *testing.T) {
		// A category with guides cannot go; an empty one can.
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, nil).Want(t, "remove non-empty category", http.StatusConflict)
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/%d/", other), admin, nil).Want(t, "remove guide", http.StatusNoContent)
		s.Do(t, "GET", fmt.Sprintf("/guides/%d", other), user, nil).Want(t, "removed guide", http.StatusNotFound)
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/%d/", other), admin, nil).Want(t, "remove guide again", http.StatusNotFound)
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, nil).Want(t, "remove empty category", http.StatusNoContent)
		var cats []map[string]any
		s.Do(t, "GET", "/guides/categories/", user, nil).Want(t, "categories", http.StatusOK).JSON(t, &cats)
		if len(cats) != 1 || cats[0]["name"] != "常用表格" || cats[0]["guides"] != float64(1) {
			t.Fatalf("categories: %v", cats)
		}
	})
}

func addGuide(t *testing.T, s *apptest.Server, admin string, data []byte) int64 {
	t.Helper()
	cat := s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "表格"}).Want(t, "add category", http.StatusCreated).ID(t)
	return guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin,
		map[string]string{"title": "出差审批单", "category": fmt.Sprint(cat)}, "出差审批单.pdf", data).Want(t, "upload", http.StatusCreated).ID(t)
}

func TestGuidesEmailIsQueuedSentAndReplayable(t *testing.T) {
	t.Parallel()
	srv, smtp := apptest.WithSMTP(t, 2)
	s := apptest.Start(t, smtp)
	admin := s.HHUAdminToken(t)
	u := s.NewUser(t)
	user := s.HHUToken(t, u.Username, u.Password)
	data := bytes.Repeat([]byte{0, 1, 2, 0xff, 'x'}, 3000)
	guide := addGuide(t, s, admin, data)
	addr := u.Username + "@example.com"

	t.Run("a POST is answered 200 once queued and the guide is mailed", func(t *testing.T) {
		r := s.Do(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), user, nil).Want(t, "email", http.StatusOK)
		if r.Map(t)["email"] != addr {
			t.Fatalf("email answer: %s", r.Body)
		}
		m := srv.WaitFor(t, addr, nil, 10*time.Second)
		if m.Subject != "【服务指南】出差审批单" || len(m.Attachments) != 1 || m.Attachments[0].Filename != "出差审批单.pdf" ||
			!bytes.Equal(m.Attachments[0].Data, data) || !strings.Contains(m.Body, "出差审批单") {
			t.Fatalf("mail: %q %q %d attachments", m.Subject, m.Body, len(m.Attachments))
		}
	})

	t.Run("no address is 400, an unknown guide 404, no caller 401", func(t *testing.T) {
		// The bootstrap admin has no address: 400 naming it. Unknown guides 404.
		s.Do(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), admin, nil).WantField(t, "no address", "email")
		s.Do(t, "POST", "/guides/999/email", user, nil).Want(t, "unknown guide", http.StatusNotFound)
		s.Do(t, "POST", fmt.Sprintf("/guides/%d/email", guide), "", nil).Want(t, "anonymous", http.StatusUnauthorized)
	})

	t.Run("a GET never sends mail: DRF's 405 with Allow", func(t *testing.T) {
		before := len(srv.Messages())
		for _, path := range []string{fmt.Sprintf("/guides/%d/email", guide), fmt.Sprintf("/guides/%d/email/", guide)} {
			r := s.Do(t, "GET", path, user, nil).Want(t, "GET "+path, http.StatusMethodNotAllowed)
			if r.Map(t)["detail"] != `Method "GET" not allowed.` || r.Header.Get("Allow") != "POST, OPTIONS" {
				t.Fatalf("GET %s: %v %s", path, r.Header, r.Body)
			}
		}
		recs, err := s.App.Store().ReadStream(context.Background(), guides.EmailStream(int64(u.ID)), eventlog.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Type != guides.EventGuideEmailRequested {
			t.Fatalf("%d events on the user's mail stream after the GETs, want the one POST's GuideEmailRequested", len(recs))
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(srv.Messages()); n != before {
			t.Fatalf("%d messages after the GETs, want %d", n, before)
		}
	})

	t.Run("a failing delivery is parked, listed for admins and replayed", func(t *testing.T) {
		// A delivery that keeps failing is parked, listed for admins, and replayed.
		srv.FailNext(2)
		s.Do(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), user, nil).Want(t, "email again", http.StatusOK)
		var parked struct {
			Parked []struct {
				ID        int64
				Worker    string
				EventType string `json:"event_type"`
				LastError string `json:"last_error"`
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(parked.Parked) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			s.Do(t, "GET", "/api/admin/mail/parked/?worker="+app.GuideMailWorkerName, admin, nil).Want(t, "parked", http.StatusOK).JSON(t, &parked)
		}
		if len(parked.Parked) != 1 || parked.Parked[0].Worker != app.GuideMailWorkerName || parked.Parked[0].EventType != "GuideEmailRequested_v1" ||
			!strings.Contains(parked.Parked[0].LastError, "451") {
			t.Fatalf("parked: %+v", parked)
		}
		s.Do(t, "GET", "/api/admin/mail/parked/", user, nil).Want(t, "user lists parked mail", http.StatusForbidden)
		s.Do(t, "POST", "/api/admin/mail/parked/999999/replay/", admin, nil).Want(t, "replay unknown", http.StatusNotFound)
		replay := fmt.Sprintf("/api/admin/mail/parked/%d/replay/", parked.Parked[0].ID)
		srv.FailNext(1)
		s.Do(t, "POST", replay, admin, nil).Want(t, "replay failing again", http.StatusBadGateway)
		s.Do(t, "POST", replay, admin, nil).Want(t, "replay", http.StatusOK)
		s.Do(t, "POST", replay, admin, nil).Want(t, "replay a replayed one", http.StatusNotFound)
		if n := len(srv.Messages()); n != 2 {
			t.Fatalf("%d messages after the replay, want 2", n)
		}
		s.Do(t, "GET", "/api/admin/mail/parked/", admin, nil).Want(t, "parked after replay", http.StatusOK).JSON(t, &parked)
		if len(parked.Parked) != 0 {
			t.Fatalf("still parked: %+v", parked)
		}
	})
}

func TestGuidesEmailLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u := s.NewUser(t)
	user := s.HHUToken(t, u.Username, u.Password)
	guide := addGuide(t, s, admin, []byte("form"))
	const callers = 30
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Do(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), user, nil)
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[http.StatusOK] != 10 || counts[http.StatusTooManyRequests] != callers-10 {
		t.Fatalf("answers %v: want exactly 10 accepted (the hourly limit), the rest 429", counts)
	}
	r := s.Do(t, "POST", fmt.Sprintf("/guides/%d/email/", guide), user, nil).Want(t, "11th", http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 without Retry-After: %v", r.Header)
	}
}
