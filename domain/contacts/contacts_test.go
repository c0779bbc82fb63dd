package contacts

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestColleagues(t *testing.T) {
	if _, err := AddColleague(false, 7, 7, now); !errors.Is(err, ErrSelfColleague) {
		t.Fatalf("self: %v", err)
	}
	added, err := AddColleague(false, 7, 8, now)
	if err != nil || added == nil || added.ColleagueID != 8 {
		t.Fatalf("add: %+v %v", added, err)
	}
	if !IsColleague(*added) {
		t.Fatal("added is not a colleague")
	}
	if again, err := AddColleague(true, 7, 8, now); again != nil || err != nil {
		t.Fatalf("add twice: %+v %v", again, err)
	}
	removed := RemoveColleague(true, 7, 8, now)
	if removed == nil || IsColleague(*removed) {
		t.Fatalf("remove: %+v", removed)
	}
	if RemoveColleague(false, 7, 8, now) != nil {
		t.Fatal("removing a non-colleague appends")
	}
}

func TestDepartments(t *testing.T) {
	cat := CatalogueFrom(nil)
	a, err := AddDepartment(cat, "  计算机系 ", now)
	if err != nil || a.DepartmentID != 1 || a.Name != "计算机系" || a.NextID != 2 {
		t.Fatalf("add: %+v %v", a, err)
	}
	cat = CatalogueFrom(a)
	b, err := AddDepartment(cat, "软件系", now)
	if err != nil || b.DepartmentID != 2 {
		t.Fatalf("add second: %+v %v", b, err)
	}
	cat = CatalogueFrom(b)
	for _, tc := range []struct {
		name string
		want error
	}{{"计算机系", ErrDepartmentExists}, {"", nil}, {strings.Repeat("x", 65), nil}, {"a\x00b", nil}} {
		_, err := AddDepartment(cat, tc.name, now)
		if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("add %q: %v", tc.name, err)
		}
	}
	if _, err := RenameDepartment(cat, 2, "计算机系", now); !errors.Is(err, ErrDepartmentExists) {
		t.Errorf("rename to a taken name: %v", err)
	}
	if r, err := RenameDepartment(cat, 2, "软件系", now); r != nil || err != nil {
		t.Errorf("rename to its own name: %+v %v", r, err)
	}
	if _, err := RenameDepartment(cat, 9, "x", now); !errors.Is(err, ErrDepartmentNotFound) {
		t.Errorf("rename unknown: %v", err)
	}
	r, err := RenameDepartment(cat, 2, "软件工程系", now)
	if err != nil || r.OldName != "软件系" {
		t.Fatalf("rename: %+v %v", r, err)
	}
	cat = CatalogueFrom(*r)
	if d, _ := cat.Find(2); d.Name != "软件工程系" {
		t.Fatalf("renamed catalogue: %+v", cat)
	}
	rm, err := RemoveDepartment(cat, 1, now)
	if err != nil || len(rm.Catalogue) != 1 || rm.NextID != 3 {
		t.Fatalf("remove: %+v %v", rm, err)
	}
	cat = CatalogueFrom(rm)
	if _, err := RemoveDepartment(cat, 1, now); !errors.Is(err, ErrDepartmentNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	// Ids are never reused.
	c, _ := AddDepartment(cat, "计算机系", now)
	if c.DepartmentID != 3 {
		t.Errorf("id after removal: %d", c.DepartmentID)
	}
}

func TestMembers(t *testing.T) {
	cat := Catalogue{Departments: []Department{{ID: 1, Name: "计算机系"}, {ID: 2, Name: "软件系"}}, NextID: 3}
	placed, err := PlaceMember(PlacementFrom(nil), cat, 7, 1, 99, now)
	if err != nil || placed == nil || placed.UserID != 7 || placed.DepartmentID != 1 || placed.PlacedBy != 99 {
		t.Fatalf("place: %+v %v", placed, err)
	}
	p := PlacementFrom(*placed)
	if !p.Placed || p.DepartmentID != 1 {
		t.Fatalf("placement after MemberPlaced: %+v", p)
	}
	if again, err := PlaceMember(p, cat, 7, 1, 99, now); again != nil || err != nil {
		t.Fatalf("place in the same department: %+v %v", again, err)
	}
	moved, err := PlaceMember(p, cat, 7, 2, 99, now)
	if err != nil || moved == nil || moved.DepartmentID != 2 {
		t.Fatalf("move: %+v %v", moved, err)
	}
	if _, err := PlaceMember(p, cat, 7, 5, 99, now); err == nil || !strings.Contains(err.Error(), `Invalid pk "5"`) {
		t.Fatalf("unknown department: %v", err)
	}
	dismissed, err := DismissMember(p, 7, 99, now)
	if err != nil || dismissed.UserID != 7 || dismissed.DepartmentID != 1 {
		t.Fatalf("dismiss: %+v %v", dismissed, err)
	}
	if PlacementFrom(dismissed).Placed {
		t.Fatal("placed after MemberDismissed")
	}
	if _, err := DismissMember(PlacementFrom(dismissed), 7, 99, now); !errors.Is(err, ErrNotPlaced) {
		t.Fatalf("dismiss twice: %v", err)
	}
}
