package repairshttp_test

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
	return s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", admin, map[string]any{"name": name}).Want(t, "add repair category", http.StatusCreated).ID(t)
}

func addNoticeAddress(t *testing.T, s *apptest.Server, admin, email string, categories ...int64) int64 {
	t.Helper()
	body := map[string]any{"email": email}
	if categories != nil {
		body["categories"] = categories
	}
	return s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, body).Want(t, "add address "+email, http.StatusCreated).ID(t)
}

func requestRepair(t *testing.T, s *apptest.Server, user string, category int64, location string) repairOut {
	t.Helper()
	var out repairOut
	s.Do(t, "POST", "/repairs/", user, map[string]any{"location": location, "category": category, "description": "坏了"}).Want(t, "request repair", http.StatusCreated).JSON(t, &out)
	return out
}

func TestRepairsRoundTrip(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u := s.NewHHUStaff(t)
	user := s.HHUToken(t, u.Username, u.Password)
	o := s.NewHHUStaff(t)
	other := s.HHUToken(t, o.Username, o.Password)
	var net, power, old int64           // categories
	var first, second, theirs repairOut // requests

	// Categories: admin business; users read them.
	t.Run("categories are admin business", func(t *testing.T) {
		s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", user, map[string]any{"name": "x"}).Want(t, "user adds category", http.StatusForbidden)
	})
	t.Run("an admin adds, renames and removes categories; users read them", func(t *testing.T) {
		net = addRepairCategory(t, s, admin, "网络")
		power = addRepairCategory(t, s, admin, "水电")
		old = addRepairCategory(t, s, admin, "旧分类")
		s.Do(t, "POST", "/api/admin/hhu/repairs/categories/", admin, map[string]any{"name": "网络"}).WantField(t, "duplicate name", "name")
		s.Do(t, "PUT", fmt.Sprintf("/api/admin/hhu/repairs/categories/%d/", power), admin, map[string]any{"name": "水电维修"}).Want(t, "rename", http.StatusOK)
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/repairs/categories/%d/", old), admin, nil).Want(t, "remove", http.StatusNoContent)
		s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/repairs/categories/%d/", old), admin, nil).Want(t, "remove again", http.StatusNotFound)
		var cats []struct {
			ID   int64
			Name string
		}
		s.Do(t, "GET", "/repairs/categories/", user, nil).Want(t, "categories", http.StatusOK).JSON(t, &cats)
		if len(cats) != 2 || cats[0].ID != net || cats[1].Name != "水电维修" {
			t.Fatalf("categories: %+v", cats)
		}
	})

	// Addresses.
	t.Run("notified addresses are checked, patched and admin business", func(t *testing.T) {
		s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, map[string]any{"email": "nope"}).WantField(t, "bad address", "email")
		s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, map[string]any{"email": "a@example.com", "categories": []int64{old}}).WantField(t, "unknown category", "categories")
		s.Do(t, "POST", "/api/admin/hhu/repairs/addresses/", admin, map[string]any{"email": "a@example.com", "categories": "1"}).WantField(t, "categories not a list", "categories")
		addr := addNoticeAddress(t, s, admin, "net@example.com", net)
		r := s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/addresses/%d/", addr), admin, map[string]any{"categories": []any{}}).Want(t, "patch address", http.StatusOK)
		if m := r.Map(t); m["all_categories"] != true || m["email"] != "net@example.com" {
			t.Fatalf("patched address: %s", r.Body)
		}
		s.Do(t, "GET", "/api/admin/hhu/repairs/addresses/", user, nil).Want(t, "user lists addresses", http.StatusForbidden)
	})

	// Requests: every field required, the category must exist.
	t.Run("a request needs every field and an existing category", func(t *testing.T) {
		r := s.Do(t, "POST", "/repairs/", user, map[string]any{}).Want(t, "empty request", http.StatusBadRequest)
		for _, f := range []string{"location", "category", "description"} {
			if _, ok := r.Map(t)[f]; !ok {
				t.Fatalf("empty request: %s does not name %s", r.Body, f)
			}
		}
		s.Do(t, "POST", "/repairs/", user, map[string]any{"location": "x", "category": old, "description": "y"}).WantField(t, "removed category", "category")
		s.Do(t, "POST", "/repairs/", user, map[string]any{"location": "x", "category": "网络", "description": "y"}).WantField(t, "bad category", "category")
		s.Do(t, "POST", "/repairs/", user, map[string]any{"location": strings.Repeat("楼", 129), "category": net, "description": "y"}).WantField(t, "long location", "location")
	})
	t.Run("users request repairs and see their own", func(t *testing.T) {
		first = requestRepair(t, s, user, net, "勤学楼 301")
		if first.Status != "pending" || first.StatusDisplay != "待处理" || first.CategoryName != "网络" || first.User != int64(u.ID) {
			t.Fatalf("requested: %+v", first)
		}
		second = requestRepair(t, s, user, power, "笃学楼 2F")
		theirs = requestRepair(t, s, other, net, "图书馆")
		var mine []repairOut
		s.Do(t, "GET", "/repairs/", user, nil).Want(t, "mine", http.StatusOK).JSON(t, &mine)
		if len(mine) != 2 || mine[0].ID != second.ID || mine[1].ID != first.ID || mine[0].Notified != nil {
			t.Fatalf("mine (newest first): %+v", mine)
		}
		s.Do(t, "GET", fmt.Sprintf("/repairs/%d/", theirs.ID), user, nil).Want(t, "another's", http.StatusNotFound)
		s.Do(t, "GET", fmt.Sprintf("/repairs/%d/", first.ID), user, nil).Want(t, "own", http.StatusOK)
	})

	// Admins: list with filters and pages, change the status, see the history.
	t.Run("admins change the status and see the history", func(t *testing.T) {
		s.Do(t, "GET", "/api/admin/hhu/repairs/", user, nil).Want(t, "user lists all", http.StatusForbidden)
		s.Do(t, "GET", "/api/admin/hhu/repairs/?status=x", admin, nil).WantField(t, "bad status filter", "status")
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), admin, map[string]any{"status": "fixed"}).WantField(t, "bad status", "status")
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), user, map[string]any{"status": "resolved"}).Want(t, "user changes status", http.StatusForbidden)
		s.Do(t, "PATCH", "/api/admin/hhu/repairs/9999/", admin, map[string]any{"status": "resolved"}).Want(t, "unknown request", http.StatusNotFound)
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), admin, map[string]any{"status": "处理中"}).Want(t, "processing", http.StatusOK)
		var got repairOut
		s.Do(t, "PATCH", fmt.Sprintf("/api/admin/hhu/repairs/%d/", first.ID), admin, map[string]any{"status": "resolved"}).Want(t, "resolved", http.StatusOK).JSON(t, &got)
		if got.Status != "resolved" || got.StatusDisplay != "已解决" || len(got.History) != 2 ||
			got.History[0].From != "pending" || got.History[0].To != "processing" || got.History[1].ToDisplay != "已解决" ||
			got.Notified == nil || got.Notified[0] != "net@example.com" {
			t.Fatalf("after changes: %+v", got)
		}
	})
	t.Run("admins list every request with filters and pages", func(t *testing.T) {
		var page struct {
			Count    int
			Next     *string
			Previous *string
			Results  []repairOut
		}
		s.Do(t, "GET", "/api/admin/hhu/repairs/?page_size=2", admin, nil).Want(t, "page 1", http.StatusOK).JSON(t, &page)
		if page.Count != 3 || len(page.Results) != 2 || page.Next == nil || !strings.Contains(*page.Next, "page=2") || page.Previous != nil ||
			page.Results[0].ID != theirs.ID {
			t.Fatalf("page 1: %+v", page)
		}
		s.Do(t, "GET", "/api/admin/hhu/repairs/?page_size=2&page=2", admin, nil).Want(t, "page 2", http.StatusOK).JSON(t, &page)
		if len(page.Results) != 1 || page.Next != nil || page.Previous == nil {
			t.Fatalf("page 2: %+v", page)
		}
		s.Do(t, "GET", "/api/admin/hhu/repairs/?page_size=2&page=3", admin, nil).Want(t, "page 3", http.StatusNotFound)
		s.Do(t, "GET", "/api/admin/hhu/repairs/?status=已解决", admin, nil).Want(t, "by status", http.StatusOK).JSON(t, &page)
		if page.Count != 1 || page.Results[0].ID != first.ID {
			t.Fatalf("resolved: %+v", page)
		}
		s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/repairs/?category=%d&status=pending", net), admin, nil).Want(t, "by category", http.StatusOK).JSON(t, &page)
		if page.Count != 1 || page.Results[0].ID != theirs.ID {
			t.Fatalf("pending network: %+v", page)
		}
	})
}

func TestRepairsStatusChangesFormOneChainUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	admin := s.HHUAdminToken(t)
	u := s.NewHHUStaff(t)
	user := s.HHUToken(t, u.Username, u.Password)
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
	s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/repairs/%d/", req.ID), admin, nil).Want(t, "get", http.StatusOK).JSON(t, &got)
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
	srv, smtp := apptest.WithSMTP(t, 5)
	s := apptest.Start(t, smtp)
	admin := s.HHUAdminToken(t)
	u := s.NewHHUStaff(t)
	user := s.HHUToken(t, u.Username, u.Password)
	network := addRepairCategory(t, s, admin, "网络")
	water := addRepairCategory(t, s, admin, "水电")
	printers := addRepairCategory(t, s, admin, "打印机")
	addNoticeAddress(t, s, admin, "net@example.com", network)
	addNoticeAddress(t, s, admin, "all@example.com")
	addNoticeAddress(t, s, admin, "water@example.com", water, printers)
	gone := addNoticeAddress(t, s, admin, "gone@example.com")
	s.Do(t, "DELETE", fmt.Sprintf("/api/admin/hhu/repairs/addresses/%d/", gone), admin, nil).Want(t, "remove address", http.StatusNoContent)

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
	sharedLog := apptest.SharedLog(t)
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
		s := apptest.Start(t, onDatabase, sharedLog, apptest.WithConfig(func(c *app.Config) {
			c.Mail.SMTPAddr = deadAddr
			c.Mail.SMTPFrom = "hhu@example.com"
			c.Mail.MaxAttempts = 1000
			c.Mail.RetryBackoff = 100 * time.Millisecond
		}))
		admin := s.HHUAdminToken(t)
		u := s.NewHHUStaff(t)
		user := s.HHUToken(t, u.Username, u.Password)
		addNoticeAddress(t, s, admin, "desk@example.com")
		repairID = requestRepair(t, s, user, addRepairCategory(t, s, admin, "网络"), "实验楼-101").ID
		time.Sleep(300 * time.Millisecond) // the worker is retrying
	}) // the server stops here, its mail unsent

	srv, smtp := apptest.WithSMTP(t, 5)
	s := apptest.Start(t, onDatabase, sharedLog, smtp)
	m := srv.WaitFor(t, "desk@example.com", nil, 15*time.Second)
	if !strings.Contains(m.Body, "实验楼-101") || !strings.Contains(m.Body, fmt.Sprint(repairID)) {
		t.Fatalf("after the restart: %q", m.Body)
	}
	admin := s.HHUAdminToken(t)
	var got repairOut
	s.Do(t, "GET", fmt.Sprintf("/api/admin/hhu/repairs/%d/", repairID), admin, nil).Want(t, "request after restart", http.StatusOK).JSON(t, &got)
	if got.Location != "实验楼-101" {
		t.Fatalf("request after restart: %+v", got)
	}
}
