package trips

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

var now = time.Date(2026, 11, 7, 10, 0, 0, 0, time.UTC)

func given(events ...eventlog.Event) Trip {
	h := make([]eventlog.Envelope, len(events))
	for i, e := range events {
		h[i] = eventlog.Envelope{Event: e}
	}
	return TripFrom(h)
}

func created(visibility string) TripPlanCreated {
	return TripPlanCreated{TripID: 7, Slug: "abc123def456", AuthorID: 1, Plan: Plan{Title: "云南", Status: StatusDraft, Visibility: visibility}}
}

func str(s string) *string { return &s }

func TestChangePlan(t *testing.T) {
	author, other, admin := access.Actor{UserID: 1}, access.Actor{UserID: 2}, access.Actor{UserID: 3, Admin: true}
	for _, tc := range []struct {
		name    string
		trip    Trip
		actor   access.Actor
		patch   Patch
		wantErr error
		want    bool
	}{
		{"author publishes by status alone", given(created(VisibilityPublic)), author, Patch{Status: str(StatusPublished)}, nil, true},
		{"private is 404 to others", given(created(VisibilityPrivate)), other, Patch{Title: str("x")}, ErrTripNotFound, false},
		{"public is 403 to others", given(created(VisibilityPublic)), other, Patch{Title: str("x")}, access.ErrForbidden, false},
		{"admins edit", given(created(VisibilityPrivate)), admin, Patch{Title: str("x")}, nil, true},
		{"no change appends nothing", given(created(VisibilityPublic)), author, Patch{Title: str("云南")}, nil, false},
		{"deleted is 404", given(created(VisibilityPublic), TripPlanDeleted{TripID: 7}), author, Patch{Title: str("x")}, ErrTripNotFound, false},
		{"bad status names the field", given(created(VisibilityPublic)), author, Patch{Status: str("gone")}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ChangePlan(tc.trip, tc.actor, tc.patch, now)
			if tc.name == "bad status names the field" {
				if f, ok := fault.As(err); !ok || f.Field != "status" {
					t.Fatalf("err = %v, want an invalid status", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) && !(err == nil && tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if (e != nil) != tc.want {
				t.Fatalf("event = %+v, want one: %v", e, tc.want)
			}
		})
	}
}

func TestCheckPlan(t *testing.T) {
	p, err := CheckPlan(Plan{Title: " 东京 ", StartDate: "2025-11-15", EndDate: "2025-11-20"})
	if err != nil || p.Status != StatusDraft || p.Visibility != VisibilityPrivate || p.Title != "东京" {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	if DaysCount(p.StartDate, p.EndDate) != 6 {
		t.Errorf("days = %d", DaysCount(p.StartDate, p.EndDate))
	}
	big := map[string]any{"x": string(make([]byte, MaxJSONBytes))}
	if _, err := CheckPlan(Plan{Title: "x", Overview: big}); err == nil {
		t.Errorf("an overview over %d bytes was accepted", MaxJSONBytes)
	}
	if !ValidSlug("0123456789ab") || ValidSlug("0123456789AB") || ValidSlug("0123456789a") {
		t.Errorf("slug rule")
	}
}

func TestItems(t *testing.T) {
	trip := given(created(VisibilityPublic))
	if _, err := AddItems(trip, access.Actor{UserID: 2}, []int64{1}, []Item{{Title: "x"}}, now); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("other adds: %v, want 403", err)
	}
	added, err := AddItems(trip, access.Actor{UserID: 1}, []int64{11, 12}, []Item{{Title: "a"}, {Title: "b"}}, now)
	if err != nil || len(added) != 2 {
		t.Fatalf("author adds: %v", err)
	}
	trip = given(created(VisibilityPublic), added[0], added[1])
	if _, _, err := ChangeItem(trip, access.Actor{UserID: 2}, 11, ItemPatch{Title: str("x")}, now); !errors.Is(err, ErrEventNotFound) {
		t.Errorf("other edits: %v, want 404", err)
	}
	e, err := ToggleItem(trip, access.Actor{UserID: 1}, 12, now)
	if err != nil || !e.Completed {
		t.Fatalf("toggle: %+v %v", e, err)
	}
	trip = given(created(VisibilityPublic), added[0], added[1], e)
	if e, _ := ToggleItem(trip, access.Actor{UserID: 1}, 12, now); e.Completed {
		t.Errorf("second toggle did not undo")
	}
	if _, err := AddItems(trip, access.Actor{UserID: 1}, []int64{13}, []Item{{Title: " "}}, now); err == nil {
		t.Errorf("blank title accepted")
	}
}

func TestReactionsCountOnce(t *testing.T) {
	first := React(nil, 7, KindLike, "u1", 1, now)
	if len(first) != 1 {
		t.Fatalf("first like: %v", first)
	}
	if again := React(&eventlog.Envelope{Event: first[0]}, 7, KindLike, "u1", 1, now); len(again) != 0 {
		t.Errorf("second like counted")
	}
	v := View(nil, 7, "a1", now)
	last := &eventlog.Envelope{Event: v[0]}
	if len(View(last, 7, "a1", now.Add(ViewWindow-time.Second))) != 0 || len(View(last, 7, "a1", now.Add(ViewWindow))) != 1 {
		t.Errorf("views are not once per window")
	}
}
