package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/guides"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// Integration tests of 001's service guides through the whole server.

// guideUpload sends a multipart request with the fields and, when name is
// not empty, a file part.
func guideUpload(t *testing.T, s *apptest.Server, method, path, auth string, fields map[string]string, name string, data []byte) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
		h.Set("Content-Type", "application/pdf")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write(data)
	}
	_ = w.Close()
	return svcRaw(t, s, method, path, auth, w.FormDataContentType(), body.Bytes())
}

// svcRaw sends a body with its own content type.
func svcRaw(t *testing.T, s *apptest.Server, method, path, auth, contentType string, body []byte) apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

func svcStatus(t *testing.T, what string, r apptest.Response, status int) apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s (want %d)", what, r.Status, r.Body, status)
	}
	return r
}

// svcField checks a DRF 400 naming field.
func svcField(t *testing.T, what string, r apptest.Response, field string) {
	t.Helper()
	svcStatus(t, what, r, http.StatusBadRequest)
	if _, ok := r.Map(t)[field]; !ok {
		t.Fatalf("%s: %s does not name %q", what, r.Body, field)
	}
}

func svcID(t *testing.T, r apptest.Response) int64 {
	t.Helper()
	var out struct{ ID int64 }
	r.JSON(t, &out)
	if out.ID <= 0 {
		t.Fatalf("no id in %s", r.Body)
	}
	return out.ID
}

func TestGuidesAdminAndDownload(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	u := s.NewUser(t)
	user := hhuToken(t, s, u.Username, u.Password)

	svcStatus(t, "user adds a category", s.Do(t, "POST", "/api/admin/hhu/guides/categories/", user, map[string]any{"name": "x"}), http.StatusForbidden)
	svcStatus(t, "anonymous list", s.Do(t, "GET", "/guides/", "", nil), http.StatusUnauthorized)
	svcField(t, "blank category", s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": " "}), "name")
	forms := svcID(t, svcStatus(t, "add category", s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "常用表格"}), http.StatusCreated))
	rules := svcID(t, svcStatus(t, "add category", s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "规章"}), http.StatusCreated))
	r := svcStatus(t, "rename", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, map[string]any{"name": "规章制度"}), http.StatusOK)
	if r.Map(t)["name"] != "规章制度" {
		t.Fatalf("rename: %s", r.Body)
	}
	// A partial update without the name changes nothing; a full one needs it.
	r = svcStatus(t, "patch without a name", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, map[string]any{}), http.StatusOK)
	if r.Map(t)["name"] != "规章制度" {
		t.Fatalf("patch without a name: %s", r.Body)
	}
	svcField(t, "put without a name", s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, map[string]any{}), "name")
	svcStatus(t, "rename an unknown category", s.Do(t, "PUT", "/api/admin/hhu/guides/categories/999/", admin, map[string]any{"name": "x"}), http.StatusNotFound)
	svcStatus(t, "unknown category", s.Do(t, "GET", "/api/admin/hhu/guides/categories/999/", admin, nil), http.StatusNotFound)

	// Uploads: bad input names the field; nothing is stored.
	pdf := bytes.Repeat([]byte("%PDF-1.4 请假\n"), 200)
	cat := fmt.Sprint(forms)
	svcField(t, "no file", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": cat}, "", nil), "file")
	svcField(t, "empty file", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": cat}, "a.pdf", nil), "file")
	svcField(t, "no title", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"category": cat}, "a.pdf", pdf), "title")
	svcField(t, "unknown category", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": "999"}, "a.pdf", pdf), "category")
	svcField(t, "bad category", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": "abc"}, "a.pdf", pdf), "category")
	svcField(t, "JSON upload", s.Do(t, "POST", "/api/admin/hhu/guides/", admin, map[string]any{"title": "t", "category": forms, "file": "x"}), "file")
	svcField(t, "file over the limit", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "t", "category": cat}, "big.pdf", make([]byte, guides.MaxFileSize+1)), "file")
	svcStatus(t, "user uploads", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", user, map[string]string{"title": "t", "category": cat}, "a.pdf", pdf), http.StatusForbidden)

	r = svcStatus(t, "upload", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "请假申请表", "category": cat}, "请假 申请表.pdf", pdf), http.StatusCreated)
	leave := svcID(t, r)
	if m := r.Map(t); m["file_name"] != "请假 申请表.pdf" || m["size"] != float64(len(pdf)) || m["category_name"] != "常用表格" || len(m["sha256"].(string)) != 64 {
		t.Fatalf("uploaded: %s", r.Body)
	}
	other := svcID(t, svcStatus(t, "upload", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin, map[string]string{"title": "考勤办法", "category": fmt.Sprint(rules)}, "rules.pdf", []byte("rules")), http.StatusCreated))

	// Users list, filter and download.
	var list []struct {
		ID           int64
		Title        string
		Category     int64
		CategoryName string `json:"category_name"`
	}
	svcStatus(t, "list", s.Do(t, "GET", "/guides/", user, nil), http.StatusOK).JSON(t, &list)
	if len(list) != 2 || list[0].ID != leave || list[1].ID != other {
		t.Fatalf("list: %+v", list)
	}
	svcStatus(t, "filter", s.Do(t, "GET", fmt.Sprintf("/guides/?category=%d", rules), user, nil), http.StatusOK).JSON(t, &list)
	if len(list) != 1 || list[0].ID != other || list[0].CategoryName != "规章制度" {
		t.Fatalf("filtered: %+v", list)
	}
	svcField(t, "bad filter", s.Do(t, "GET", "/guides/?category=x", user, nil), "category")
	r = svcStatus(t, "download", s.Do(t, "GET", fmt.Sprintf("/guides/%d", leave), user, nil), http.StatusOK)
	if !bytes.Equal(r.Body, pdf) || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %q %d bytes", r.Header.Get("Content-Type"), len(r.Body))
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename*=UTF-8''%E8%AF%B7%E5%81%87%20%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf`) ||
		!strings.HasPrefix(cd, `attachment; filename="`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	svcStatus(t, "download with slash", s.Do(t, "GET", fmt.Sprintf("/guides/%d/", leave), user, nil), http.StatusOK)
	svcStatus(t, "unknown guide", s.Do(t, "GET", "/guides/999", user, nil), http.StatusNotFound)
	svcStatus(t, "malformed id", s.Do(t, "GET", "/guides/abc", user, nil), http.StatusNotFound)

	// Replace the file (PUT), edit the title (PATCH).
	v2 := []byte("%PDF-1.4 version 2")
	r = svcStatus(t, "replace", guideUpload(t, s, "PUT", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]string{"title": "请假申请表（新）", "category": cat}, "leave-v2.pdf", v2), http.StatusOK)
	if m := r.Map(t); m["file_name"] != "leave-v2.pdf" || m["title"] != "请假申请表（新）" {
		t.Fatalf("replaced: %s", r.Body)
	}
	svcField(t, "PUT without file", guideUpload(t, s, "PUT", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]string{"title": "x", "category": cat}, "", nil), "file")
	r = svcStatus(t, "download v2", s.Do(t, "GET", fmt.Sprintf("/guides/%d", leave), user, nil), http.StatusOK)
	if !bytes.Equal(r.Body, v2) {
		t.Fatalf("download after replace: %q", r.Body)
	}
	r = svcStatus(t, "patch title", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]any{"title": "请假表"}), http.StatusOK)
	if m := r.Map(t); m["title"] != "请假表" || m["file_name"] != "leave-v2.pdf" {
		t.Fatalf("patched: %s", r.Body)
	}
	svcField(t, "move to unknown category", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/guides/%d/", leave), admin, map[string]any{"category": 999}), "category")

	// A category with guides cannot go; an empty one can.
	svcStatus(t, "remove non-empty category", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, nil), http.StatusConflict)
	svcStatus(t, "remove guide", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/%d/", other), admin, nil), http.StatusNoContent)
	svcStatus(t, "removed guide", s.Do(t, "GET", fmt.Sprintf("/guides/%d", other), user, nil), http.StatusNotFound)
	svcStatus(t, "remove guide again", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/%d/", other), admin, nil), http.StatusNotFound)
	svcStatus(t, "remove empty category", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/guides/categories/%d/", rules), admin, nil), http.StatusNoContent)
	var cats []map[string]any
	svcStatus(t, "categories", s.Do(t, "GET", "/guides/categories/", user, nil), http.StatusOK).JSON(t, &cats)
	if len(cats) != 1 || cats[0]["name"] != "常用表格" || cats[0]["guides"] != float64(1) {
		t.Fatalf("categories: %v", cats)
	}
}

// svcSMTP starts an SMTP stand-in and returns the option that points the
// server's mail at it, with fast retries.
func svcSMTP(t *testing.T, attempts int) (*smtptest.Server, apptest.Option) {
	srv := smtptest.Start(t)
	return srv, apptest.WithConfig(func(c *app.Config) {
		c.Mail.SMTPAddr = srv.Addr
		c.Mail.SMTPFrom = "hhu@example.com"
		c.Mail.MaxAttempts = attempts
		c.Mail.RetryBackoff = 20 * time.Millisecond
	})
}

func addGuide(t *testing.T, s *apptest.Server, admin string, data []byte) int64 {
	t.Helper()
	cat := svcID(t, svcStatus(t, "add category", s.Do(t, "POST", "/api/admin/hhu/guides/categories/", admin, map[string]any{"name": "表格"}), http.StatusCreated))
	return svcID(t, svcStatus(t, "upload", guideUpload(t, s, "POST", "/api/admin/hhu/guides/", admin,
		map[string]string{"title": "出差审批单", "category": fmt.Sprint(cat)}, "出差审批单.pdf", data), http.StatusCreated))
}

func TestGuidesEmailIsQueuedSentAndReplayable(t *testing.T) {
	t.Parallel()
	srv, smtp := svcSMTP(t, 2)
	s := apptest.Start(t, smtp)
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	u := s.NewUser(t)
	user := hhuToken(t, s, u.Username, u.Password)
	data := bytes.Repeat([]byte{0, 1, 2, 0xff, 'x'}, 3000)
	guide := addGuide(t, s, admin, data)
	addr := u.Username + "@example.com"

	r := svcStatus(t, "email", s.Do(t, "GET", fmt.Sprintf("/guides/%d/email", guide), user, nil), http.StatusAccepted)
	if r.Map(t)["email"] != addr {
		t.Fatalf("email answer: %s", r.Body)
	}
	m := srv.WaitFor(t, addr, nil, 10*time.Second)
	if m.Subject != "【服务指南】出差审批单" || len(m.Attachments) != 1 || m.Attachments[0].Filename != "出差审批单.pdf" ||
		!bytes.Equal(m.Attachments[0].Data, data) || !strings.Contains(m.Body, "出差审批单") {
		t.Fatalf("mail: %q %q %d attachments", m.Subject, m.Body, len(m.Attachments))
	}

	// The bootstrap admin has no address: 400 naming it. Unknown guides 404.
	svcField(t, "no address", s.Do(t, "GET", fmt.Sprintf("/guides/%d/email/", guide), admin, nil), "email")
	svcStatus(t, "unknown guide", s.Do(t, "GET", "/guides/999/email", user, nil), http.StatusNotFound)
	svcStatus(t, "anonymous", s.Do(t, "GET", fmt.Sprintf("/guides/%d/email", guide), "", nil), http.StatusUnauthorized)

	// A delivery that keeps failing is parked, listed for admins, and replayed.
	srv.FailNext(2)
	svcStatus(t, "email again", s.Do(t, "GET", fmt.Sprintf("/guides/%d/email", guide), user, nil), http.StatusAccepted)
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
		svcStatus(t, "parked", s.Do(t, "GET", "/api/admin/mail/parked/?worker="+app.GuideMailWorkerName, admin, nil), http.StatusOK).JSON(t, &parked)
	}
	if len(parked.Parked) != 1 || parked.Parked[0].Worker != app.GuideMailWorkerName || parked.Parked[0].EventType != "GuideEmailRequested_v1" ||
		!strings.Contains(parked.Parked[0].LastError, "451") {
		t.Fatalf("parked: %+v", parked)
	}
	svcStatus(t, "user lists parked mail", s.Do(t, "GET", "/api/admin/mail/parked/", user, nil), http.StatusForbidden)
	svcStatus(t, "replay unknown", s.Do(t, "POST", "/api/admin/mail/parked/999999/replay/", admin, nil), http.StatusNotFound)
	replay := fmt.Sprintf("/api/admin/mail/parked/%d/replay/", parked.Parked[0].ID)
	srv.FailNext(1)
	svcStatus(t, "replay failing again", s.Do(t, "POST", replay, admin, nil), http.StatusBadGateway)
	svcStatus(t, "replay", s.Do(t, "POST", replay, admin, nil), http.StatusOK)
	svcStatus(t, "replay a replayed one", s.Do(t, "POST", replay, admin, nil), http.StatusNotFound)
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d messages after the replay, want 2", n)
	}
	svcStatus(t, "parked after replay", s.Do(t, "GET", "/api/admin/mail/parked/", admin, nil), http.StatusOK).JSON(t, &parked)
	if len(parked.Parked) != 0 {
		t.Fatalf("still parked: %+v", parked)
	}
}

func TestGuidesEmailLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	u := s.NewUser(t)
	user := hhuToken(t, s, u.Username, u.Password)
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
			r := s.Do(t, "GET", fmt.Sprintf("/guides/%d/email", guide), user, nil)
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[http.StatusAccepted] != 10 || counts[http.StatusTooManyRequests] != callers-10 {
		t.Fatalf("answers %v: want exactly 10 accepted (the hourly limit), the rest 429", counts)
	}
	r := svcStatus(t, "11th", s.Do(t, "GET", fmt.Sprintf("/guides/%d/email", guide), user, nil), http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 without Retry-After: %v", r.Header)
	}
}
