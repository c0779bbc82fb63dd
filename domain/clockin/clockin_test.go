package clockin_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/clockin"
	"github.com/fiveapis/backend/domain/eventlog"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func setup(history ...eventlog.Event) clockin.Setup { return clockin.SetupFrom(7, history) }

func added(id int64, label string) clockin.ClockInItemAdded {
	return clockin.ClockInItemAdded{ItemID: id, ActivityID: 7, Label: label, OpenFrom: t0, OpenTo: t0.Add(time.Hour)}
}

func TestAddAndChangeItems(t *testing.T) {
	s := setup(added(1, "签到"), added(2, "签退"), clockin.ClockInItemRemoved{ItemID: 2, ActivityID: 7})
	tests := []struct {
		name  string
		spec  clockin.ItemSpec
		err   error
		field string
	}{
		{"ok", clockin.ItemSpec{Label: " 签退 ", OpenFrom: t0, OpenTo: t0.Add(time.Minute)}, nil, ""},
		{"label taken", clockin.ItemSpec{Label: "签到", OpenFrom: t0, OpenTo: t0.Add(time.Minute)}, clockin.ErrLabelTaken, "label"},
		{"blank", clockin.ItemSpec{Label: "  ", OpenFrom: t0, OpenTo: t0.Add(time.Minute)}, nil, "label"},
		{"operator", clockin.ItemSpec{Label: "签到了", OpenFrom: t0, OpenTo: t0.Add(time.Minute)}, clockin.ErrLabelSyntax, "label"},
		{"paren", clockin.ItemSpec{Label: "a(b)", OpenFrom: t0, OpenTo: t0.Add(time.Minute)}, clockin.ErrLabelSyntax, "label"},
		{"too long", clockin.ItemSpec{Label: strings.Repeat("签", 33), OpenFrom: t0, OpenTo: t0.Add(time.Minute)}, nil, "label"},
		{"empty window", clockin.ItemSpec{Label: "午餐", OpenFrom: t0, OpenTo: t0}, clockin.ErrWindowOrder, "open_to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := s.AddItem(3, tc.spec, t0)
			if tc.field == "" {
				if err != nil || e.Label != "签退" || e.ItemID != 3 || e.ActivityID != 7 {
					t.Fatalf("%+v, %v", e, err)
				}
				return
			}
			if err == nil || tc.err != nil && !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err %v, want %v on %s", err, tc.err, tc.field)
			}
		})
	}
	label := "签到"
	if c, err := s.ChangeItem(1, clockin.ItemPatch{Label: &label}, t0); c != nil || err != nil {
		t.Fatalf("no-op edit: %+v, %v", c, err)
	}
	s2 := setup(added(1, "签到"), added(3, "签退"))
	if _, err := s2.ChangeItem(3, clockin.ItemPatch{Label: &label}, t0); !errors.Is(err, clockin.ErrLabelTaken) {
		t.Fatalf("rename onto a taken label: %v", err)
	}
	if _, err := s2.ChangeItem(9, clockin.ItemPatch{Label: &label}, t0); !errors.Is(err, clockin.ErrItemNotFound) {
		t.Fatalf("missing item: %v", err)
	}
	if _, err := s.RemoveItem(2, t0); !errors.Is(err, clockin.ErrItemNotFound) {
		t.Fatalf("remove removed: %v", err)
	}
}

func TestStaff(t *testing.T) {
	s := setup(clockin.ClockInStaffAssigned{ActivityID: 7, UserID: 5})
	if !s.IsStaff(5) || s.IsStaff(6) {
		t.Fatal("staff")
	}
	if e := s.AssignStaff(5, t0); e != nil {
		t.Fatalf("assign twice: %+v", e)
	}
	if _, err := s.UnassignStaff(6, t0); !errors.Is(err, clockin.ErrNotStaff) {
		t.Fatalf("unassign stranger: %v", err)
	}
	s = setup(clockin.ClockInStaffAssigned{ActivityID: 7, UserID: 5}, clockin.ClockInStaffUnassigned{ActivityID: 7, UserID: 5})
	if s.IsStaff(5) {
		t.Fatal("unassigned staff still staff")
	}
}

func TestCheckItemAndOnce(t *testing.T) {
	s := setup(added(1, "签到"))
	for _, tc := range []struct {
		at  time.Time
		id  int64
		err error
	}{
		{t0, 1, nil},
		{t0.Add(-time.Nanosecond), 1, clockin.ErrNotYetOpen},
		{t0.Add(time.Hour), 1, clockin.ErrClosed},
		{t0, 2, clockin.ErrNoSuchItem(2)},
	} {
		if _, err := s.CheckItem(tc.id, tc.at); !errors.Is(err, tc.err) && !(tc.err != nil && err != nil && err.Error() == tc.err.Error()) {
			t.Errorf("item %d at %s: %v, want %v", tc.id, tc.at, err, tc.err)
		}
	}
	it, _ := s.Item(1)
	e, err := clockin.ClockIn(it, nil, clockin.Request{ItemID: 1, UserID: 9, Window: 3}, t0)
	if err != nil || e.Label != "签到" || e.UserID != 9 || e.ActivityID != 7 || e.Window != 3 {
		t.Fatalf("%+v, %v", e, err)
	}
	if _, err := clockin.ClockIn(it, e, clockin.Request{ItemID: 1, UserID: 9}, t0); !errors.Is(err, clockin.ErrAlreadyClockedIn) {
		t.Fatalf("twice: %v", err)
	}
}

func TestCodes(t *testing.T) {
	s, err := clockin.NewCodeSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := clockin.NewCodeSigner([]byte("another secret of 32 bytes......"))
	if _, err := clockin.NewCodeSigner([]byte("short")); err == nil {
		t.Fatal("short secret accepted")
	}
	start := clockin.WindowStart(clockin.WindowOf(t0)) // a window boundary
	q := s.Issue(42, start.Add(3*time.Second))
	if q.Window != start.Unix()/25 || !q.ShownFrom.Equal(start) || !q.ExpiresAt.Equal(start.Add(25*time.Second)) {
		t.Fatalf("issued %+v", q)
	}
	if q2 := s.Issue(42, start.Add(24*time.Second)); q2.Payload != q.Payload {
		t.Fatal("the payload changed inside its window")
	}
	if q3 := s.Issue(42, start.Add(25*time.Second)); q3.Payload == q.Payload || q3.Window != q.Window+1 {
		t.Fatal("the payload did not change with the window")
	}
	tamper := func(p string) string {
		return p[:len(p)-1] + map[bool]string{true: "A", false: "B"}[p[len(p)-1] != 'A']
	}
	forgedWindow := strings.Replace(q.Payload, "."+itoa(q.Window)+".", "."+itoa(q.Window+1)+".", 1)
	for _, tc := range []struct {
		name    string
		payload string
		item    int64
		at      time.Duration // after the window's start
		err     error
	}{
		{"fresh", q.Payload, 42, 10 * time.Second, nil},
		{"last instant of its window", q.Payload, 42, 25*time.Second - time.Nanosecond, nil},
		{"inside the grace", q.Payload, 42, 25*time.Second + clockin.Grace - time.Nanosecond, nil},
		{"after the grace", q.Payload, 42, 25*time.Second + clockin.Grace, clockin.ErrCodeExpired},
		{"two windows old", q.Payload, 42, 50 * time.Second, clockin.ErrCodeExpired},
		{"from a clock slightly ahead", q.Payload, 42, -clockin.MaxSkew, nil},
		{"from the future", q.Payload, 42, -clockin.MaxSkew - time.Nanosecond, clockin.ErrCodeExpired},
		{"another item", q.Payload, 43, 0, clockin.ErrCodeWrongItem},
		{"tampered mac", tamper(q.Payload), 42, 0, clockin.ErrCodeInvalid},
		{"forged window", forgedWindow, 42, 25 * time.Second, clockin.ErrCodeInvalid},
		{"another server's key", other.Issue(42, start).Payload, 42, 0, clockin.ErrCodeInvalid},
		{"garbage", "hello", 42, 0, clockin.ErrCodeInvalid},
		{"empty", "", 42, 0, clockin.ErrCodeInvalid},
	} {
		w, err := s.Check(tc.payload, tc.item, start.Add(tc.at))
		if !errors.Is(err, tc.err) || err == nil && w != q.Window {
			t.Errorf("%s: window %d, err %v; want %v", tc.name, w, err, tc.err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestItemOf(t *testing.T) {
	for payload, want := range map[string]int64{"ci1.42.70912345.q3Zp0YJ3m2c1Xw8aTnVb": 42, " ci1.7.1.x ": 7} {
		if id, ok := clockin.ItemOf(payload); !ok || id != want {
			t.Errorf("ItemOf(%q) = %d, %v", payload, id, ok)
		}
	}
	for _, bad := range []string{"", "ci1.x.1.m", "ci2.4.1.m", "ci1.0.1.m", "ci1.-4.1.m", "ci1.4.1", "eyJhY3Rpdml0eV9pZCI6IDF9"} {
		if _, ok := clockin.ItemOf(bad); ok {
			t.Errorf("ItemOf(%q) ok", bad)
		}
	}
}
