package clockinhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fiveapis/backend/cmd/server/app/apptest"
	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/transport/httpapi/browsertest"
)

// Integration tests of 001's clock-in through the whole server.

// shiftedClock is the wall clock moved by an offset the test sets, so that a
// test can put itself just before a QR window turns, or past one.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *shiftedClock) shift(d time.Duration) { c.offset.Add(int64(d)) }

// toWindowEnd shifts the clock so that the current QR window ends in left.
func (c *shiftedClock) toWindowEnd(left time.Duration) {
	now := c.Now()
	c.shift(clockin.WindowStart(clockin.WindowOf(now) + 1).Add(-left).Sub(now))
}

// clockInFixture is a server with an activity, its admin, an enrolled user
// and a staff member.
type clockInFixture struct {
	s        *apptest.Server
	clock    *shiftedClock
	admin    string
	activity int64
	user     string // enrolled
	userID   int64
	staff    string
	staffID  int64
}

func newClockInFixture(t *testing.T) *clockInFixture {
	t.Helper()
	f := &clockInFixture{clock: &shiftedClock{}}
	f.s = apptest.Start(t, apptest.WithClock(f.clock))
	f.admin = f.s.HHUAdminToken(t)
	f.activity = f.s.CreateHHUActivity(t, f.admin, apptest.HHUActivity("打卡活动", 0))
	u := f.s.NewHHUStaff(t)
	f.user, f.userID = f.s.HHUToken(t, u.Username, u.Password), int64(u.ID)
	f.enroll(t, f.user)
	st := f.s.NewHHUStaff(t)
	f.staff, f.staffID = f.s.HHUToken(t, st.Username, st.Password), int64(st.ID)
	if r := f.s.Do(t, "POST", f.admin2("clockin-staff/"), f.admin, map[string]any{"user": f.staffID}); r.Status != http.StatusCreated {
		t.Fatalf("assign staff: %d %s", r.Status, r.Body)
	}
	return f
}

func (f *clockInFixture) enroll(t *testing.T, auth string) {
	t.Helper()
	r := f.s.Do(t, "POST", "/enrollments/", auth, map[string]any{"activity": f.activity, "answers": map[string]any{"name": "张三", "phone": "13800000000"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("enroll: %d %s", r.Status, r.Body)
	}
}

// admin2 is a path under the activity's admin routes.
func (f *clockInFixture) admin2(rest string) string {
	return fmt.Sprintf("/api/admin/hhu/activities/%d/%s", f.activity, rest)
}

func (f *clockInFixture) path(rest string) string {
	return fmt.Sprintf("/activities/clockins/%d%s", f.activity, rest)
}

// addItem adds an item open from..to and returns its id.
func (f *clockInFixture) addItem(t *testing.T, label string, from, to time.Time) int64 {
	t.Helper()
	r := f.s.Do(t, "POST", f.admin2("clockin-items/"), f.admin, map[string]any{"label": label, "open_from": apptest.ISO(from), "open_to": apptest.ISO(to)})
	if r.Status != http.StatusCreated {
		t.Fatalf("add item %s: %d %s", label, r.Status, r.Body)
	}
	var out struct{ ID int64 }
	r.JSON(t, &out)
	return out.ID
}

type qrAnswer struct {
	Item      int64  `json:"item"`
	Code      string `json:"code"`
	Window    int64  `json:"window"`
	ExpiresAt string `json:"expires_at"`
	ExpiresIn int64  `json:"expires_in_ms"`
	Open      bool   `json:"open"`
	Image     string `json:"image"`
}

// qr fetches an item's current QR code as staff.
func (f *clockInFixture) qr(t *testing.T, item int64) qrAnswer {
	t.Helper()
	r := f.s.Do(t, "GET", f.path(fmt.Sprintf("/qr/?item=%d", item)), f.staff, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("qr: %d %s", r.Status, r.Body)
	}
	var q qrAnswer
	r.JSON(t, &q)
	return q
}

func (f *clockInFixture) clockIn(t *testing.T, auth string, item any, code any) apptest.Response {
	t.Helper()
	return f.s.Do(t, "POST", f.path(""), auth, map[string]any{"item": item, "code": code})
}

// wantField checks a 400 answer's message for a field.
func wantField(t *testing.T, what string, r apptest.Response, field, msg string) {
	t.Helper()
	var body map[string][]string
	if r.Status != http.StatusBadRequest {
		t.Errorf("%s: %d %s, want 400", what, r.Status, r.Body)
		return
	}
	r.JSON(t, &body)
	if len(body[field]) != 1 || msg != "" && body[field][0] != msg {
		t.Errorf("%s: %s, want %s: %q", what, r.Body, field, msg)
	}
}

func TestClockInItemsAndStaffAdmin(t *testing.T) {
	t.Parallel()
	f := newClockInFixture(t)
	s, admin := f.s, f.admin
	now := time.Now()

	t.Run("items are admin business; an unknown activity is 404", func(t *testing.T) {
		if r := s.Do(t, "POST", f.admin2("clockin-items/"), f.user, map[string]any{"label": "x"}); r.Status != http.StatusForbidden {
			t.Fatalf("user adds an item: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", "/api/admin/hhu/activities/999999/clockin-items/", admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("unknown activity: %d %s", r.Status, r.Body)
		}
	})
	in := f.addItem(t, "签到", now.Add(-time.Hour), now.Add(time.Hour))
	out := f.addItem(t, "签退", now.Add(time.Hour), now.Add(2*time.Hour))
	t.Run("bad items are 400 naming the field", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
			msg   string
		}{
			{"label taken", map[string]any{"label": "签到", "open_from": apptest.ISO(now), "open_to": apptest.ISO(now.Add(time.Hour))}, "label", "该活动已有同名打卡项"},
			{"label with an operator", map[string]any{"label": "签到了", "open_from": apptest.ISO(now), "open_to": apptest.ISO(now.Add(time.Hour))}, "label", ""},
			{"label missing", map[string]any{"open_from": apptest.ISO(now), "open_to": apptest.ISO(now.Add(time.Hour))}, "label", "This field is required."},
			{"bad time", map[string]any{"label": "午餐", "open_from": "yesterday", "open_to": apptest.ISO(now)}, "open_from", ""},
			{"window backwards", map[string]any{"label": "午餐", "open_from": apptest.ISO(now), "open_to": apptest.ISO(now.Add(-time.Hour))}, "open_to", "结束时间必须晚于开始时间"},
		} {
			wantField(t, tc.name, s.Do(t, "POST", f.admin2("clockin-items/"), admin, tc.body), tc.field, tc.msg)
		}
	})
	t.Run("an admin edits and reads items", func(t *testing.T) {
		r := s.Do(t, "PATCH", f.admin2(fmt.Sprintf("clockin-items/%d/", out)), admin, map[string]any{"label": "离场"})
		if r.Status != http.StatusOK || r.Map(t)["label"] != "离场" {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
		wantField(t, "rename onto a taken label", s.Do(t, "PATCH", f.admin2(fmt.Sprintf("clockin-items/%d/", out)), admin, map[string]any{"label": "签到"}), "label", "该活动已有同名打卡项")
		r = s.Do(t, "PUT", f.admin2(fmt.Sprintf("clockin-items/%d/", out)), admin, map[string]any{"label": "签退", "open_from": "2030-01-01T09:00:00", "open_to": "2030-01-01T10:00:00+08:00"})
		if m := r.Map(t); r.Status != http.StatusOK || m["open_from"] != "2030-01-01T09:00:00+08:00" {
			t.Fatalf("put: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", f.admin2(fmt.Sprintf("clockin-items/%d/", in)), admin, nil); r.Status != http.StatusOK || r.Map(t)["label"] != "签到" {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
	})
	t.Run("a removed item is gone", func(t *testing.T) {
		gone := f.addItem(t, "午餐", now, now.Add(time.Hour))
		if r := s.Do(t, "DELETE", f.admin2(fmt.Sprintf("clockin-items/%d/", gone)), admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		for _, m := range []string{"GET", "DELETE"} {
			if r := s.Do(t, m, f.admin2(fmt.Sprintf("clockin-items/%d/", gone)), admin, nil); r.Status != http.StatusNotFound {
				t.Fatalf("%s removed item: %d %s", m, r.Status, r.Body)
			}
		}
	})
	t.Run("items are listed in order", func(t *testing.T) {
		var items []map[string]any
		s.Do(t, "GET", f.admin2("clockin-items/"), admin, nil).JSON(t, &items)
		if len(items) != 2 || items[0]["label"] != "签到" || items[1]["label"] != "签退" {
			t.Fatalf("items: %v", items)
		}
	})

	t.Run("staff are assigned once, and must exist", func(t *testing.T) {
		// Staff.
		if r := s.Do(t, "POST", f.admin2("clockin-staff/"), admin, map[string]any{"user": f.staffID}); r.Status != http.StatusOK {
			t.Fatalf("assign again: %d %s", r.Status, r.Body)
		}
		wantField(t, "unknown user", s.Do(t, "POST", f.admin2("clockin-staff/"), admin, map[string]any{"user": 999999}), "user", `Invalid pk "999999" - object does not exist.`)
		wantField(t, "no user", s.Do(t, "POST", f.admin2("clockin-staff/"), admin, map[string]any{}), "user", "This field is required.")
		var staff []map[string]any
		s.Do(t, "GET", f.admin2("clockin-staff/"), admin, nil).JSON(t, &staff)
		if len(staff) != 1 || staff[0]["user"] != float64(f.staffID) || staff[0]["username"] == "" {
			t.Fatalf("staff: %v", staff)
		}
	})

	t.Run("QR codes are for staff and admins", func(t *testing.T) {
		// QR codes: staff and admins only.
		q := f.qr(t, in)
		if !strings.HasPrefix(q.Code, "ci1.") || q.Window != clockin.WindowOf(time.Now()) && q.Window != clockin.WindowOf(time.Now())-1 || !q.Open || q.ExpiresIn <= 0 || q.ExpiresIn > 25000 {
			t.Fatalf("qr: %+v", q)
		}
		if !strings.HasPrefix(q.Image, "data:image/png;base64,") {
			t.Fatalf("qr image: %.40s", q.Image)
		}
		if r := s.Do(t, "GET", f.path(fmt.Sprintf("/qr/?item=%d", in)), f.user, nil); r.Status != http.StatusForbidden {
			t.Fatalf("qr by a user: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", f.path(fmt.Sprintf("/qr/?item=%d", in)), "", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous qr: %d %s", r.Status, r.Body)
		}
		wantField(t, "qr without item", s.Do(t, "GET", f.path("/qr/"), admin, nil), "item", "This field is required.")
		wantField(t, "qr of another activity's item", s.Do(t, "GET", f.path("/qr/?item=999999"), admin, nil), "item", `Invalid pk "999999" - object does not exist.`)
		r := s.Do(t, "GET", f.path(fmt.Sprintf("/qr/?item=%d&format=png", in)), admin, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-QR-Window") == "" {
			t.Fatalf("png: %d %v", r.Status, r.Header)
		}
		if _, err := png.Decode(bytes.NewReader(r.Body)); err != nil {
			t.Fatalf("png: %v", err)
		}
	})
	t.Run("unassigned staff lose access", func(t *testing.T) {
		// Unassigned staff lose access.
		if r := s.Do(t, "DELETE", f.admin2(fmt.Sprintf("clockin-staff/%d/", f.staffID)), admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("unassign: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "DELETE", f.admin2(fmt.Sprintf("clockin-staff/%d/", f.staffID)), admin, nil); r.Status != http.StatusNotFound {
			t.Fatalf("unassign again: %d %s", r.Status, r.Body)
		}
		if r := s.Do(t, "GET", f.path(fmt.Sprintf("/qr/?item=%d", in)), f.staff, nil); r.Status != http.StatusForbidden {
			t.Fatalf("qr by former staff: %d %s", r.Status, r.Body)
		}
	})
}

func TestClockInRulesOverHTTP(t *testing.T) {
	t.Parallel()
	f := newClockInFixture(t)
	s := f.s
	now := time.Now()
	in := f.addItem(t, "签到", now.Add(-time.Hour), now.Add(time.Hour))
	later := f.addItem(t, "签退", now.Add(time.Hour), now.Add(2*time.Hour))

	stranger := s.NewHHUStaff(t)
	strangerTok := s.HHUToken(t, stranger.Username, stranger.Password)
	code := f.qr(t, in).Code
	t.Run("bad clock-ins are refused, naming the field", func(t *testing.T) {
		wantField(t, "no fields", s.Do(t, "POST", f.path(""), f.user, map[string]any{}), "item", "This field is required.")
		wantField(t, "no code", s.Do(t, "POST", f.path(""), f.user, map[string]any{"item": in}), "code", "This field is required.")
		wantField(t, "bad item", f.clockIn(t, f.user, "abc", code), "item", "A valid integer is required.")
		wantField(t, "unknown item", f.clockIn(t, f.user, 999999, code), "item", `Invalid pk "999999" - object does not exist.`)
		forged := code[:len(code)-1] + "A" // a signature that is not the code's
		if strings.HasSuffix(code, "A") {
			forged = code[:len(code)-1] + "B"
		}
		wantField(t, "forged code", f.clockIn(t, f.user, in, forged), "code", "二维码无效")
		wantField(t, "another item's code", f.clockIn(t, f.user, in, f.qr(t, later).Code), "code", "二维码与打卡项不符")
		wantField(t, "not open yet", f.clockIn(t, f.user, later, f.qr(t, later).Code), "item", "打卡尚未开始")
		wantField(t, "not enrolled", f.clockIn(t, strangerTok, in, code), "non_field_errors", "您未报名该活动，不能打卡")
		if r := s.Do(t, "POST", "/activities/clockins/999999", f.user, map[string]any{"item": in, "code": code}); r.Status != http.StatusNotFound {
			t.Fatalf("unknown activity: %d %s", r.Status, r.Body)
		}
		if r := f.clockIn(t, "", in, code); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a code is refused once its window and grace are over", func(t *testing.T) {
		// A code is refused once its window and the grace after it are over.
		old := f.qr(t, in).Code
		f.clock.shift(clockin.Period + clockin.Grace)
		wantField(t, "expired code", f.clockIn(t, f.user, in, old), "code", "二维码已过期，请重新扫码")
	})

	t.Run("a user clocks in once and sees their own records", func(t *testing.T) {
		r := f.clockIn(t, f.user, in, f.qr(t, in).Code)
		if r.Status != http.StatusCreated {
			t.Fatalf("clock in: %d %s", r.Status, r.Body)
		}
		rec := r.Map(t)
		if rec["label"] != "签到" || rec["item"] != float64(in) || rec["user"] != float64(f.userID) || rec["activity"] != float64(f.activity) {
			t.Fatalf("record: %v", rec)
		}
		wantField(t, "twice", f.clockIn(t, f.user, in, f.qr(t, in).Code), "non_field_errors", "您已在该打卡项打过卡")
		var mine []map[string]any
		s.Do(t, "GET", f.path(""), f.user, nil).JSON(t, &mine)
		if len(mine) != 1 || mine[0]["label"] != "签到" {
			t.Fatalf("my records: %v", mine)
		}
		s.Do(t, "GET", f.path("/"), strangerTok, nil).JSON(t, &mine)
		if len(mine) != 0 {
			t.Fatalf("stranger's records: %v", mine)
		}
	})
	t.Run("the enrollment records' filter sees the label", func(t *testing.T) {
		// The enrollment records' filter sees the label.
		for filter, want := range map[string]float64{"签到": 1, "签到了但未签退": 1, "签退": 0} {
			r := s.Do(t, "GET", f.admin2("enrollments/?filter="+url.QueryEscape(filter)), f.admin, nil)
			if r.Status != http.StatusOK || r.Map(t)["count"] != want {
				t.Errorf("records %q: %d %s", filter, r.Status, r.Body)
			}
		}
	})

	t.Run("after the item closes, clock-ins are refused", func(t *testing.T) {
		// After the item closes (tokens last 3 h, so within that): 打卡已结束.
		f.clock.shift(time.Hour)
		other := s.NewHHUStaff(t)
		otherTok := s.HHUToken(t, other.Username, other.Password)
		f.enroll(t, otherTok)
		wantField(t, "closed", f.clockIn(t, otherTok, in, f.qr(t, in).Code), "item", "打卡已结束")
	})

	t.Run("a removed item's clock-ins no longer count", func(t *testing.T) {
		// A removed item's clock-ins no longer count, as the original cascade.
		var mine []map[string]any
		if r := s.Do(t, "DELETE", f.admin2(fmt.Sprintf("clockin-items/%d/", in)), f.admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("remove item: %d %s", r.Status, r.Body)
		}
		s.Do(t, "GET", f.path(""), f.user, nil).JSON(t, &mine)
		if len(mine) != 0 {
			t.Fatalf("records of a removed item: %v", mine)
		}
		if r := s.Do(t, "GET", f.admin2("enrollments/?filter="+url.QueryEscape("签到")), f.admin, nil); r.Map(t)["count"] != float64(0) {
			t.Fatalf("filter over a removed item: %s", r.Body)
		}
	})
}

func TestClockInOnceUnderConcurrencyOverHTTP(t *testing.T) {
	t.Parallel()
	f := newClockInFixture(t)
	now := time.Now()
	item := f.addItem(t, "签到", now.Add(-time.Hour), now.Add(time.Hour))
	f.clock.toWindowEnd(20 * time.Second) // the code stays fresh for the whole test
	code := f.qr(t, item).Code
	const n = 50
	var created, already atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := f.clockIn(t, f.user, item, code)
			switch {
			case r.Status == http.StatusCreated:
				created.Add(1)
			case r.Status == http.StatusBadRequest && strings.Contains(string(r.Body), "您已在该打卡项打过卡"):
				already.Add(1)
			default:
				t.Errorf("clock in: %d %s", r.Status, r.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	if created.Load() != 1 || already.Load() != n-1 {
		t.Fatalf("%d created, %d already; want 1 and %d", created.Load(), already.Load(), n-1)
	}
	var mine []map[string]any
	f.s.Do(t, "GET", f.path(""), f.user, nil).JSON(t, &mine)
	if len(mine) != 1 {
		t.Fatalf("records: %v", mine)
	}
}

func TestClockInDisplayPageInBrowser(t *testing.T) {
	t.Parallel()
	browserCtx := browsertest.Start(t) // before the clock is set
	f := newClockInFixture(t)
	now := time.Now()
	item := f.addItem(t, "签到", now.Add(-time.Hour), now.Add(time.Hour))
	var link struct{ URL, Path string }

	t.Run("display links are for the activity's staff", func(t *testing.T) {
		if r := f.s.Do(t, "GET", f.path(fmt.Sprintf("/display-link/?item=%d", item)), f.user, nil); r.Status != http.StatusForbidden {
			t.Fatalf("display link for a user: %d %s", r.Status, r.Body)
		}
		r := f.s.Do(t, "GET", f.path(fmt.Sprintf("/display-link/?item=%d", item)), f.staff, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("display link: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &link)
		if !strings.HasPrefix(link.URL, f.s.URL+"/activities/clockins/") {
			t.Fatalf("link: %+v", link)
		}
	})
	t.Run("the link works without a token, a tampered one does not", func(t *testing.T) {
		// The link works without a token; a tampered one does not.
		if r := f.s.Do(t, "GET", link.Path, "", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "签到") {
			t.Fatalf("display page: %d %.200s", r.Status, r.Body)
		}
		if r := f.s.Do(t, "GET", strings.Replace(link.Path, "sig=", "sig=x", 1), "", nil); r.Status != http.StatusForbidden {
			t.Fatalf("tampered link: %d %s", r.Status, r.Body)
		}
		if r := f.s.Do(t, "GET", strings.Replace(link.Path, "/display/", "/qr/", 1), "", nil); r.Status != http.StatusOK {
			t.Fatalf("qr through the link: %d %s", r.Status, r.Body)
		}
	})

	t.Run("the page shows the rotating code, and the code it shows is accepted", func(t *testing.T) {
		ctx, cancelTimeout := context.WithTimeout(browserCtx, 60*time.Second)
		defer cancelTimeout()

		type pageState struct {
			Code      string `json:"code"`
			Window    string `json:"window"`
			Loaded    bool   `json:"loaded"`
			Countdown string `json:"countdown"`
		}
		const state = `{code: document.getElementById("qr").dataset.code || "", window: document.getElementById("qr").dataset.window || "",
	 loaded: document.getElementById("qr").naturalWidth > 0, countdown: document.getElementById("countdown").textContent}`
		// The window the page first shows ends 3 s after the clock is set: the
		// page must fetch the next code by itself. On a slow machine the page
		// may load only after that window; then it is loaded again.
		var first pageState
		for attempt := 1; ; attempt++ {
			f.clock.toWindowEnd(3 * time.Second)
			want := strconv.FormatInt(clockin.WindowOf(f.clock.Now()), 10)
			if err := chromedp.Do(ctx, chromedp.Navigate(link.URL)); err != nil {
				t.Fatalf("open the display page: %v", err)
			}
			var err error
			first, err = chromedp.Run(ctx, chromedp.Poll[pageState](`(function () { var s = `+state+`; return s.code && s.loaded && /秒后刷新/.test(s.countdown) ? s : false })()`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
			if err != nil {
				t.Fatalf("the display page shows no code, image and countdown: %v", err)
			}
			if !strings.HasPrefix(first.Code, "ci1.") {
				t.Fatalf("page shows %+v", first)
			}
			if first.Window == want {
				break
			}
			if attempt == 3 {
				t.Fatalf("the page loaded too late %d times (showing window %s, want %s)", attempt, first.Window, want)
			}
			t.Logf("the page loaded after its window turned (window %s, want %s); again", first.Window, want)
		}
		next, err := chromedp.Run(ctx, chromedp.Poll[pageState](fmt.Sprintf(`(function () { var s = %s; return s.code && s.code !== %q && s.loaded ? s : false })()`, state, first.Code),
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
		if err != nil {
			t.Fatalf("the page did not change its code after the window turned (showing %+v): %v", first, err)
		}
		if next.Window == first.Window || !strings.HasPrefix(next.Code, "ci1.") {
			t.Fatalf("page went from %+v to %+v", first, next)
		}
		// The code the page shows now is accepted.
		if r := f.clockIn(t, f.user, item, next.Code); r.Status != http.StatusCreated {
			t.Fatalf("clock in with the page's code: %d %s", r.Status, r.Body)
		}
	})
}
