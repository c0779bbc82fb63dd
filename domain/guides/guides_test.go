package guides_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/guides"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func file(name string) guides.File {
	return guides.File{Key: "0123456789abcdef0123456789abcdef.pdf", Name: name, ContentType: "application/pdf", Size: 10,
		SHA256: strings.Repeat("a", 64)}
}

func uploaded(t *testing.T) guides.Guide {
	t.Helper()
	e, err := guides.UploadGuide(7, guides.Upload{Title: " 请假单 ", CategoryID: 2, File: file("请假单.pdf"), By: 1}, now)
	if err != nil {
		t.Fatal(err)
	}
	return guides.GuideFrom(e)
}

func TestUploadValidates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		up    guides.Upload
		field string
	}{
		{"blank title", guides.Upload{Title: " ", File: file("a.pdf")}, "title"},
		{"long title", guides.Upload{Title: strings.Repeat("长", guides.MaxTitleLength+1), File: file("a.pdf")}, "title"},
		{"empty file", guides.Upload{Title: "t", File: guides.File{Name: "a.pdf"}}, "file"},
		{"big file", guides.Upload{Title: "t", File: guides.File{Name: "a.pdf", Size: guides.MaxFileSize + 1}}, "file"},
		{"no name", guides.Upload{Title: "t", File: file(" ")}, "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := guides.UploadGuide(1, tc.up, now)
			f, ok := fault.As(err)
			if !ok || f.Field != tc.field {
				t.Fatalf("err %v, want an invalid %s", err, tc.field)
			}
		})
	}
	g := uploaded(t)
	if !g.Exists() || g.Title != "请假单" || g.File.Name != "请假单.pdf" {
		t.Fatalf("guide %+v", g)
	}
}

func TestChangeGuide(t *testing.T) {
	g := uploaded(t)
	same := "请假单"
	if e, err := guides.ChangeGuide(g, guides.Edit{Title: &same}, now); err != nil || e != nil {
		t.Fatalf("no-op edit: %v %v", e, err)
	}
	f := file("新版.pdf")
	f.SHA256 = strings.Repeat("b", 64)
	e, err := guides.ChangeGuide(g, guides.Edit{File: &f, By: 3}, now)
	if err != nil || e == nil || !e.Replaced || e.Title != "请假单" || e.File != f || e.ChangedBy != 3 {
		t.Fatalf("replace: %+v %v", e, err)
	}
	removed, err := guides.RemoveGuide(g, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	gone := guides.GuideFrom(removed)
	if _, err := guides.ChangeGuide(gone, guides.Edit{Title: &same}, now); !errors.Is(err, guides.ErrGuideNotFound) {
		t.Fatalf("edit of a removed guide: %v", err)
	}
	if _, err := guides.RequestEmail(gone, 5, nil, now); !errors.Is(err, guides.ErrGuideNotFound) {
		t.Fatalf("mail of a removed guide: %v", err)
	}
}

func TestCategories(t *testing.T) {
	added, err := guides.AddCategory(3, " 表格 ", now)
	if err != nil || added.Name != "表格" {
		t.Fatalf("add: %+v %v", added, err)
	}
	c := guides.CategoryFrom(added)
	if e, err := guides.RenameCategory(c, "表格", now); e != nil || err != nil {
		t.Fatalf("same name: %v %v", e, err)
	}
	if _, err := guides.RemoveCategory(c, 2, now); !errors.Is(err, guides.ErrCategoryNotEmpty) {
		t.Fatalf("remove a category with guides: %v", err)
	}
	removed, err := guides.RemoveCategory(c, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if guides.CategoryFrom(removed).Exists() {
		t.Fatal("removed category exists")
	}
}

func TestEmailLimitPerHour(t *testing.T) {
	g := uploaded(t)
	var recent []time.Time
	at := now
	for i := range guides.EmailsPerHour {
		e, err := guides.RequestEmail(g, 5, recent, at)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if e.Key != g.File.Key || e.Title != g.Title || len(e.Recent) != i+1 {
			t.Fatalf("request %d: %+v", i, e)
		}
		recent = e.Recent
		at = at.Add(time.Minute)
	}
	_, err := guides.RequestEmail(g, 5, recent, at)
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.RateLimited || f.RetryAfterSeconds != 50*60 {
		t.Fatalf("11th request in an hour: %v", err)
	}
	// An hour after the first, one slot is free again.
	e, err := guides.RequestEmail(g, 5, recent, now.Add(time.Hour+time.Second))
	if err != nil || len(e.Recent) != guides.EmailsPerHour {
		t.Fatalf("after an hour: %+v %v", e, err)
	}
}
