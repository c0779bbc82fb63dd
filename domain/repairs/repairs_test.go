package repairs_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/repairs"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// given folds events into a setup.
func given(events ...eventlog.Event) repairs.Setup {
	h := make([]eventlog.Envelope, len(events))
	for i, e := range events {
		h[i] = eventlog.Envelope{Event: e}
	}
	return repairs.SetupFrom(h)
}

func field(err error) string {
	if f, ok := fault.As(err); ok {
		return f.Field
	}
	return ""
}

func TestRecipients(t *testing.T) {
	s := given(
		repairs.RepairCategoryAdded{CategoryID: 1, Name: "网络"},
		repairs.RepairCategoryAdded{CategoryID: 2, Name: "水电"},
		repairs.RepairNoticeAddressAdded{AddressID: 1, Email: "net@example.com", CategoryIDs: []int64{1}},
		repairs.RepairNoticeAddressAdded{AddressID: 2, Email: "all@example.com"},
		repairs.RepairNoticeAddressAdded{AddressID: 3, Email: "water@example.com", CategoryIDs: []int64{2}},
		repairs.RepairNoticeAddressAdded{AddressID: 4, Email: "gone@example.com"},
		repairs.RepairNoticeAddressRemoved{AddressID: 4},
		repairs.RepairCategoryAdded{CategoryID: 3, Name: "旧"},
		repairs.RepairNoticeAddressAdded{AddressID: 5, Email: "old@example.com", CategoryIDs: []int64{3}},
		repairs.RepairCategoryRemoved{CategoryID: 3},
	)
	for cat, want := range map[int64][]string{
		1: {"all@example.com", "net@example.com"},
		2: {"all@example.com", "water@example.com"},
	} {
		if diff := cmp.Diff(want, s.Recipients(cat)); diff != "" {
			t.Errorf("category %d (-want +got):\n%s", cat, diff)
		}
	}
	e, err := repairs.RequestRepair(s, 9, repairs.Request{UserID: 4, Location: " 勤学楼 301 ", CategoryID: 1, Description: "断网"}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := repairs.RepairRequested{RepairID: 9, UserID: 4, Location: "勤学楼 301", CategoryID: 1, CategoryName: "网络",
		Description: "断网", Status: repairs.StatusPending, Notify: []string{"all@example.com", "net@example.com"}, RequestedAt: now}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("requested (-want +got):\n%s", diff)
	}
	if _, err := repairs.RequestRepair(s, 10, repairs.Request{UserID: 4, Location: "x", CategoryID: 3, Description: "y"}, now); field(err) != "category" {
		t.Errorf("removed category: %v", err)
	}
	if _, err := repairs.RequestRepair(s, 10, repairs.Request{UserID: 4, Location: " ", CategoryID: 1, Description: ""}, now); field(err) != "location" {
		t.Errorf("blank fields: %v", err)
	}
}

func TestSetupDecisions(t *testing.T) {
	s := given(repairs.RepairCategoryAdded{CategoryID: 1, Name: "网络"})
	if _, err := repairs.AddCategory(s, "网络", now); field(err) != "name" {
		t.Errorf("duplicate name: %v", err)
	}
	added, err := repairs.AddCategory(s, "水电", now)
	if err != nil || added.CategoryID != 2 {
		t.Errorf("add: %+v %v", added, err)
	}
	if _, err := repairs.AddAddress(s, repairs.AddressSpec{Email: "not an address"}, now); field(err) != "email" {
		t.Errorf("bad email: %v", err)
	}
	if _, err := repairs.AddAddress(s, repairs.AddressSpec{Email: "a@example.com", CategoryIDs: []int64{7}}, now); field(err) != "categories" {
		t.Errorf("unknown category: %v", err)
	}
	a, err := repairs.AddAddress(s, repairs.AddressSpec{Email: "A@Example.COM", CategoryIDs: []int64{1, 1}}, now)
	if err != nil || a.AddressID != 1 || a.Email != "A@example.com" || !cmp.Equal(a.CategoryIDs, []int64{1}) {
		t.Errorf("add address: %+v %v", a, err)
	}
	s = given(repairs.RepairCategoryAdded{CategoryID: 1, Name: "网络"}, a)
	if _, err := repairs.AddAddress(s, repairs.AddressSpec{Email: "a@example.com"}, now); field(err) != "email" {
		t.Errorf("duplicate address: %v", err)
	}
	none := []int64{}
	changed, err := repairs.ChangeAddress(s, 1, repairs.AddressPatch{CategoryIDs: &none}, now)
	if err != nil || changed == nil || len(changed.CategoryIDs) != 0 || changed.Email != "A@example.com" {
		t.Errorf("to every category: %+v %v", changed, err)
	}
	if _, err := repairs.ChangeAddress(s, 2, repairs.AddressPatch{}, now); !errors.Is(err, repairs.ErrAddressNotFound) {
		t.Errorf("unknown address: %v", err)
	}
}

func TestStatusChanges(t *testing.T) {
	h := []eventlog.Envelope{{Event: repairs.RepairRequested{RepairID: 3, UserID: 4, Status: repairs.StatusPending}}}
	r := repairs.RepairFrom(h)
	e, err := repairs.ChangeStatus(r, "已解决", 1, now)
	if err != nil || e.From != repairs.StatusPending || e.To != repairs.StatusResolved {
		t.Fatalf("change: %+v %v", e, err)
	}
	r = repairs.RepairFrom(append(h, eventlog.Envelope{Event: *e}))
	if e, err := repairs.ChangeStatus(r, "resolved", 1, now); e != nil || err != nil {
		t.Errorf("same status: %v %v", e, err)
	}
	if _, err := repairs.ChangeStatus(r, "fixed", 1, now); field(err) != "status" {
		t.Errorf("bad status: %v", err)
	}
	if _, err := repairs.ChangeStatus(repairs.Repair{}, "resolved", 1, now); !errors.Is(err, repairs.ErrRepairNotFound) {
		t.Errorf("unknown request: %v", err)
	}
}
