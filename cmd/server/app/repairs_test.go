package app_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/transport/mail/smtptest"
	"github.com/fiveapis/backend/transport/pgtest"
)

// Integration tests of 001's repair requests through the whole server.

type repairOut struct {
	ID            int64
	User          int64
	Location      string
	Category      int64
	CategoryName  string `json:"category_name"`
	Description   string
	Status        string
	StatusDisplay string `json:"status_display"`
	Notified      []string
	History       []struct {
		From      string
		To        string
		ToDisplay string `json:"to_display"`
		ChangedBy int64  `json:"changed_by"`
	}
}

func addRepairCategory(t *testing.T, s *apptest.Server, admin, name string) int64 {
	t.Helper()
	return svcID(t, svcStatus(t, "add repair category", s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", admin, map[string]any{"name": name}), http.StatusCreated))
}

func addNoticeAddress(t *testing.T, s *apptest.Server, admin, email string, categories ...int64) int64 {
	t.Helper()
	body := map[string]any{"email": email}
	if categories != nil {
		body["categories"] = categories
	}
	return svcID(t, svcStatus(t, "add address "+email, s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, body), http.StatusCreated))
}

func requestRepair(t *testing.T, s *apptest.Server, user string, category int64, location string) repairOut {
	t.Helper()
	var out repairOut
	svcStatus(t, "request repair", s.Do(t, "POST", "/repairs/", user, map[string]any{"location": location, "category": category, "description": "坏了"}), http.StatusCreated).JSON(t, &out)
	return out
}

func TestRepairsRoundTrip(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	u := s.NewUser(t)
	user := hhuToken(t, s, u.Username, u.Password)
	o := s.NewUser(t)
	other := hhuToken(t, s, o.Username, o.Password)

	// Categories: admin business; users read them.
	svcStatus(t, "user adds category", s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", user, map[string]any{"name": "x"}), http.StatusForbidden)
	net := addRepairCategory(t, s, admin, "网络")
	power := addRepairCategory(t, s, admin, "水电")
	old := addRepairCategory(t, s, admin, "旧分类")
	svcField(t, "duplicate name", s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", admin, map[string]any{"name": "网络"}), "name")
	svcStatus(t, "rename", s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/repairs/categories/%d/", power), admin, map[string]any{"name": "水电维修"}), http.StatusOK)
	svcStatus(t, "remove", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/repairs/categories/%d/", old), admin, nil), http.StatusNoContent)
	svcStatus(t, "remove again", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/repairs/categories/%d/", old), admin, nil), http.StatusNotFound)
	var cats []struct {
		ID   int64
		Name string
	}
	svcStatus(t, "categories", s.Do(t, "GET", "/repairs/categories/", user, nil), http.StatusOK).JSON(t, &cats)
	if len(cats) != 2 || cats[0].ID != net || cats[1].Name != "水电维修" {
		t.Fatalf("categories: %+v", cats)
	}

	// Addresses.
	svcField(t, "bad address", s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, map[string]any{"email": "nope"}), "email")
	svcField(t, "unknown category", s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, map[string]any{"email": "a@example.com", "categories": []int64{old}}), "categories")
	svcField(t, "categories not a list", s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, map[string]any{"email": "a@example.com", "categories": "1"}), "categories")
	addr := addNoticeAddress(t, s, admin, "net@example.com", net)
	r := svcStatus(t, "patch address", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/addresses/%d/", addr), admin, map[string]any{"categories": []any{}}), http.StatusOK)
	if m := r.Map(t); m["all_categories"] != true || m["email"] != "net@example.com" {
		t.Fatalf("patched address: %s", r.Body)
	}
	svcStatus(t, "user lists addresses", s.Do(t, "GET", "/api/admin/hhu/repairs/addresses/", user, nil), http.StatusForbidden)

	// Requests: every field required, the category must exist.
	r = svcStatus(t, "empty request", s.Do(t, "POST", "/repairs/", user, map[string]any{}), http.StatusBadRequest)
	for _, f := range []string{"location", "category", "description"} {
		if _, ok := r.Map(t)[f]; !ok {
			t.Fatalf("empty request: %s does not name %s", r.Body, f)
		}
	}
	svcField(t, "removed category", s.Do(t, "POST", "/repairs/", user, map[string]any{"location": "x", "category": old, "description": "y"}), "category")
	svcField(t, "bad category", s.Do(t, "POST", "/repairs/", user, map[string]any{"location": "x", "category": "网络", "description": "y"}), "category")
	svcField(t, "long location", s.Do(t, "POST", "/repairs/", user, map[string]any{"location": strings.Repeat("楼", 129), "category": net, "description": "y"}), "location")
	first := requestRepair(t, s, user, net, "勤学楼 301")
	if first.Status != "pending" || first.StatusDisplay != "待处理" || first.CategoryName != "网络" || first.User != int64(u.ID) {
		t.Fatalf("requested: %+v", first)
	}
	second := requestRepair(t, s, user, power, "笃学楼 2F")
	theirs := requestRepair(t, s, other, net, "图书馆")
	var mine []repairOut
	svcStatus(t, "mine", s.Do(t, "GET", "/repairs/", user, nil), http.StatusOK).JSON(t, &mine)
	if len(mine) != 2 || mine[0].ID != second.ID || mine[1].ID != first.ID || mine[0].Notified != nil {
		t.Fatalf("mine (newest first): %+v", mine)
	}
	svcStatus(t, "another's", s.Do(t, "GET", fmt.Sprintf("/repairs/%d/", theirs.ID), user, nil), http.StatusNotFound)
	svcStatus(t, "own", s.Do(t, "GET", fmt.Sprintf("/repairs/%d/", first.ID), user, nil), http.StatusOK)

	// Admins: list with filters and pages, change the status, see the history.
	svcStatus(t, "user lists all", s.Do(t, "GET", "/api/admin/hhu/repairs/", user, nil), http.StatusForbidden)
	svcField(t, "bad status filter", s.Do(t, "GET", "/api/admin/hhu/repairs/?status=x", admin, nil), "status")
	svcField(t, "bad status", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), admin, map[string]any{"status": "fixed"}), "status")
	svcStatus(t, "user changes status", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), user, map[string]any{"status": "resolved"}), http.StatusForbidden)
	svcStatus(t, "unknown request", s.Do(t, "PATCH", "/api/admin/hhu/repairs/9999/", admin, map[string]any{"status": "resolved"}), http.StatusNotFound)
	svcStatus(t, "processing", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), admin, map[string]any{"status": "处理中"}), http.StatusOK)
	var got repairOut
	svcStatus(t, "resolved", s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), admin, map[string]any{"status": "resolved"}), http.StatusOK).JSON(t, &got)
	if got.Status != "resolved" || got.StatusDisplay != "已解决" || len(got.History) != 2 ||
		got.History[0].From != "pending" || got.History[0].To != "processing" || got.History[1].ToDisplay != "已解决" ||
		got.Notified == nil || got.Notified[0] != "net@example.com" {
		t.Fatalf("after changes: %+v", got)
	}
	var page struct {
		Count    int
		Next     *string
		Previous *string
		Results  []repairOut
	}
	svcStatus(t, "page 1", s.Do(t, "GET", "/api/admin/hhu/repairs/?page_size=2", admin, nil), http.StatusOK).JSON(t, &page)
	if page.Count != 3 || len(page.Results) != 2 || page.Next == nil || !strings.Contains(*page.Next, "page=2") || page.Previous != nil ||
		page.Results[0].ID != theirs.ID {
		t.Fatalf("page 1: %+v", page)
	}
	svcStatus(t, "page 2", s.Do(t, "GET", "/api/admin/hhu/repairs/?page_size=2&page=2", admin, nil), http.StatusOK).JSON(t, &page)
	if len(page.Results) != 1 || page.Next != nil || page.Previous == nil {
		t.Fatalf("page 2: %+v", page)
	}
	svcStatus(t, "page 3", s.Do(t, "GET", "/api/admin/hhu/repairs/?page_size=2&page=3", admin, nil), http.StatusNotFound)
	svcStatus(t, "by status", s.Do(t, "GET", "/api/admin/hhu/repairs/?status=已解决", admin, nil), http.StatusOK).JSON(t, &page)
	if page.Count != 1 || page.Results[0].ID != first.ID {
		t.Fatalf("resolved: %+v", page)
	}
	svcStatus(t, "by category", s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/repairs/?category=%d&status=pending", net), admin, nil), http.StatusOK).JSON(t, &page)
	if page.Count != 1 || page.Results[0].ID != theirs.ID {
		t.Fatalf("pending network: %+v", page)
	}
}

func TestRepairsStatusChangesFormOneChainUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	u := s.NewUser(t)
	user := hhuToken(t, s, u.Username, u.Password)
	req := requestRepair(t, s, user, addRepairCategory(t, s, admin, "网络"), "机房")
	statuses := []string{"processing", "resolved", "pending"}
	const admins = 24
	var wg sync.WaitGroup
	for i := range admins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", req.ID), admin, map[string]any{"status": statuses[i%3]})
			if r.Status != http.StatusOK {
				t.Errorf("concurrent change: %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	var got repairOut
	svcStatus(t, "get", s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/repairs/%d/", req.ID), admin, nil), http.StatusOK).JSON(t, &got)
	prev := "pending"
	for i, h := range got.History {
		if h.From != prev || h.From == h.To {
			t.Fatalf("history step %d %+v does not follow %q: %+v", i, h, prev, got.History)
		}
		prev = h.To
	}
	if len(got.History) == 0 || got.Status != prev {
		t.Fatalf("status %q, history %+v", got.Status, got.History)
	}
}

// recipients lists every mailbox that received a message about location.
func recipients(srv *smtptest.Server, location string) []string {
	var out []string
	for _, m := range srv.Messages() {
		if strings.Contains(m.Body, location) {
			out = append(out, m.To...)
		}
	}
	slices.Sort(out)
	return out
}

func TestRepairsNotifyExactlyTheSubscribedMailboxes(t *testing.T) {
	t.Parallel()
	srv, smtp := svcSMTP(t, 5)
	s := apptest.Start(t, smtp)
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	u := s.NewUser(t)
	user := hhuToken(t, s, u.Username, u.Password)
	network := addRepairCategory(t, s, admin, "网络")
	water := addRepairCategory(t, s, admin, "水电")
	printers := addRepairCategory(t, s, admin, "打印机")
	addNoticeAddress(t, s, admin, "net@example.com", network)
	addNoticeAddress(t, s, admin, "all@example.com")
	addNoticeAddress(t, s, admin, "water@example.com", water, printers)
	gone := addNoticeAddress(t, s, admin, "gone@example.com")
	svcStatus(t, "remove address", s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/repairs/addresses/%d/", gone), admin, nil), http.StatusNoContent)

	a := requestRepair(t, s, user, network, "勤学楼-301")
	b := requestRepair(t, s, user, printers, "笃学楼-205")
	srv.WaitFor(t, "net@example.com", func(m smtptest.Message) bool { return strings.Contains(m.Body, "勤学楼-301") }, 10*time.Second)
	m := srv.WaitFor(t, "water@example.com", func(m smtptest.Message) bool { return strings.Contains(m.Body, "笃学楼-205") }, 10*time.Second)
	if !strings.Contains(m.Subject, "打印机") || !strings.Contains(m.Body, u.Username) {
		t.Errorf("notice: %q %q", m.Subject, m.Body)
	}
	// Both requests were handled (the worker goes in log order); give a
	// stray extra delivery a moment to show up.
	time.Sleep(200 * time.Millisecond)
	if got, want := recipients(srv, "勤学楼-301"), []string{"all@example.com", "net@example.com"}; !slices.Equal(got, want) {
		t.Errorf("network request %d reached %v, want %v", a.ID, got, want)
	}
	if got, want := recipients(srv, "笃学楼-205"), []string{"all@example.com", "water@example.com"}; !slices.Equal(got, want) {
		t.Errorf("printer request %d reached %v, want %v", b.ID, got, want)
	}
}

func TestRepairsPendingMailSurvivesRestart(t *testing.T) {
	t.Parallel()
	dbURL, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	q := dbURL.Query()
	q.Set("pool_max_conns", "8")
	dbURL.RawQuery = q.Encode()
	dsn := dbURL.String()
	dataDir := t.TempDir()
	onDatabase := apptest.WithConfig(func(c *app.Config) { c.Database.URL = dsn; c.DataDir = dataDir })

	// An SMTP address where nothing listens: every delivery fails and is
	// retried (not parked: many attempts).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	_ = ln.Close()
	var repairID int64
	t.Run("before restart", func(t *testing.T) {
		s := apptest.Start(t, onDatabase, apptest.WithConfig(func(c *app.Config) {
			c.Mail.SMTPAddr = deadAddr
			c.Mail.SMTPFrom = "hhu@example.com"
			c.Mail.MaxAttempts = 1000
			c.Mail.RetryBackoff = 100 * time.Millisecond
		}))
		admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
		u := s.NewUser(t)
		user := hhuToken(t, s, u.Username, u.Password)
		addNoticeAddress(t, s, admin, "desk@example.com")
		repairID = requestRepair(t, s, user, addRepairCategory(t, s, admin, "网络"), "实验楼-101").ID
		time.Sleep(300 * time.Millisecond) // the worker is retrying
	}) // the server stops here, its mail unsent

	srv, smtp := svcSMTP(t, 5)
	s := apptest.Start(t, onDatabase, smtp)
	m := srv.WaitFor(t, "desk@example.com", nil, 15*time.Second)
	if !strings.Contains(m.Body, "实验楼-101") || !strings.Contains(m.Body, fmt.Sprint(repairID)) {
		t.Fatalf("after the restart: %q", m.Body)
	}
	admin := hhuToken(t, s, apptest.AdminUsername, apptest.AdminPassword)
	var got repairOut
	svcStatus(t, "request after restart", s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/repairs/%d/", repairID), admin, nil), http.StatusOK).JSON(t, &got)
	if got.Location != "实验楼-101" {
		t.Fatalf("request after restart: %+v", got)
	}
}
