package apptest

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	meetingroomscmd "github.com/fiveapis/backend/commands/meetingrooms"
	"github.com/fiveapis/backend/transport/mail/smtptest"
)

// Helpers of the tests of 001's API (transport/httpapi/hhu/…).

// HHUToken logs in through 001's /auth/get-token/ and returns the
// "Authorization" header value "Token <key>".
func (s *Server) HHUToken(t testing.TB, username, password string) string {
	t.Helper()
	r := s.Do(t, http.MethodPost, "/auth/get-token/", "", map[string]string{"username": username, "password": password})
	if r.Status != http.StatusOK {
		t.Fatalf("apptest: get-token %s: %d %s", username, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.JSON(t, &out)
	return "Token " + out.Token
}

// HHUAdminToken logs in as the bootstrap admin through /auth/get-token/.
func (s *Server) HHUAdminToken(t testing.TB) string {
	t.Helper()
	return s.HHUToken(t, AdminUsername, AdminPassword)
}

// NewHHUStaff registers a fresh user and places them on 001's staff, in a
// department made once per server (as the address book, colleagues,
// reservations, enrollments and repair requests require).
func (s *Server) NewHHUStaff(t testing.TB) User {
	t.Helper()
	u := s.NewUser(t)
	s.staffMu.Lock()
	if s.staffDepartment == 0 {
		s.staffAdmin = s.HHUAdminToken(t)
		s.staffDepartment = s.Do(t, http.MethodPost, "/api/admin/hhu/departments/", s.staffAdmin, map[string]string{"name": "教职工-" + RandomHex(4)}).
			Want(t, "apptest: staff department", http.StatusCreated).ID(t)
	}
	admin, dept := s.staffAdmin, s.staffDepartment
	s.staffMu.Unlock()
	s.PlaceHHUStaff(t, admin, int64(u.ID), dept)
	return u
}

// PlaceHHUStaff places the user on 001's staff in the department, as the
// admin (an "Authorization" value): PUT /api/admin/hhu/members/{user}/.
func (s *Server) PlaceHHUStaff(t testing.TB, admin string, userID, departmentID int64) {
	t.Helper()
	r := s.Do(t, http.MethodPut, fmt.Sprintf("/api/admin/hhu/members/%d/", userID), admin, map[string]int64{"department": departmentID})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("apptest: place user %d on the staff: %d %s", userID, r.Status, r.Body)
	}
}

// FutureDay is a day well ahead (30+offset days from today), at midnight in
// 001's time zone; offset separates tests' days.
func FutureDay(offset int) time.Time {
	y, m, d := time.Now().In(meetingroomscmd.DefaultZone).AddDate(0, 0, 30+offset).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, meetingroomscmd.DefaultZone)
}

// ISO writes t as 001's answers do: RFC 3339 in UTC+8.
func ISO(t time.Time) string { return t.In(meetingroomscmd.DefaultZone).Format(time.RFC3339) }

// WithSMTP starts an SMTP stand-in and returns the option that points the
// server's mail at it: attempts per message, fast retries.
func WithSMTP(t testing.TB, attempts int) (*smtptest.Server, Option) {
	srv := smtptest.Start(t)
	return srv, WithConfig(func(c *app.Config) {
		c.Mail.SMTPAddr = srv.Addr
		c.Mail.SMTPFrom = "hhu@example.com"
		c.Mail.MaxAttempts = attempts
		c.Mail.RetryBackoff = 20 * time.Millisecond
	})
}

// DoRaw sends body as is with its own content type.
func (s *Server) DoRaw(t testing.TB, method, path, authorization, contentType string, body []byte) Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("apptest: request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("apptest: read %s %s: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Want fails the test unless the answer has status; what names the request.
func (r Response) Want(t testing.TB, what string, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s (want %d)", what, r.Status, r.Body, status)
	}
	return r
}

// WantField fails the test unless the answer is a DRF 400 naming field.
func (r Response) WantField(t testing.TB, what, field string) {
	t.Helper()
	r.Want(t, what, http.StatusBadRequest)
	if _, ok := r.Map(t)[field]; !ok {
		t.Fatalf("%s: %s does not name %q", what, r.Body, field)
	}
}

// FieldErrors decodes a DRF 400 answer, failing the test for another status.
func (r Response) FieldErrors(t testing.TB) map[string][]string {
	t.Helper()
	if r.Status != http.StatusBadRequest {
		t.Fatalf("want 400, got %d %s", r.Status, r.Body)
	}
	var out map[string][]string
	r.JSON(t, &out)
	return out
}

// ID is the answer's positive "id".
func (r Response) ID(t testing.TB) int64 {
	t.Helper()
	var out struct{ ID int64 }
	r.JSON(t, &out)
	if out.ID <= 0 {
		t.Fatalf("apptest: no id in %s", r.Body)
	}
	return out.ID
}

// HHUActivity is the body of a valid activity of 001, three days ahead,
// with an enrollment form (name and phone required, a choice, a
// multichoice, a number).
func HHUActivity(title string, limit int) map[string]any {
	start := time.Now().In(meetingroomscmd.DefaultZone).Add(72 * time.Hour).Truncate(time.Hour)
	return map[string]any{
		"title": title, "description": "春季学术活动", "location": "勤学楼",
		"starts_at": ISO(start), "ends_at": ISO(start.Add(2 * time.Hour)), "participant_limit": limit,
		"form": []map[string]any{
			{"name": "name", "label": "姓名", "type": "text", "required": true},
			{"name": "phone", "label": "手机", "type": "phone", "required": true},
			{"name": "size", "label": "尺码", "type": "choice", "choices": []string{"S", "M", "L"}},
			{"name": "days", "label": "参加日期", "type": "multichoice", "choices": []string{"周六", "周日"}},
			{"name": "age", "label": "年龄", "type": "number"},
		},
	}
}

// CreateHHUActivity creates an activity as admin (an "Authorization" value)
// and returns its id.
func (s *Server) CreateHHUActivity(t testing.TB, admin string, body map[string]any) int64 {
	t.Helper()
	return s.Do(t, http.MethodPost, "/api/admin/hhu/activities/", admin, body).Want(t, "create activity", http.StatusCreated).ID(t)
}

// UploadGuide sends a multipart request with the fields and, when name is
// not empty, a file part "file" of that name holding data as a PDF (001's
// guide uploads).
func (s *Server) UploadGuide(t testing.TB, method, path, auth string, fields map[string]string, name string, data []byte) Response {
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
	return s.DoRaw(t, method, path, auth, w.FormDataContentType(), body.Bytes())
}
