package activities_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fiveapis/backend/domain/activities"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

var now = time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)

func form() []activities.Field {
	return []activities.Field{
		{Name: "name", Label: "姓名", Type: activities.Text, Required: true},
		{Name: "age", Label: "年龄", Type: activities.Number},
		{Name: "size", Label: "尺码", Type: activities.Choice, Required: true, Choices: []string{"S", "M", "L"}},
		{Name: "days", Label: "日期", Type: activities.MultiChoice, Choices: []string{"周六", "周日"}},
		{Name: "birthday", Label: "生日", Type: activities.Date},
		{Name: "phone", Label: "手机", Type: activities.Phone},
		{Name: "email", Label: "邮箱", Type: activities.Email},
	}
}

func spec() activities.Spec {
	return activities.Spec{Title: " 春游 ", Location: "玄武湖", StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(52 * time.Hour),
		ParticipantLimit: 2, EnrollmentOpen: true, Form: form()}
}

// fields lists the fields named by the faults of err.
func fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if f, ok := fault.As(err); ok {
			out = append(out, f.Field)
		}
	}
	walk(err)
	return out
}

func TestCreateValidates(t *testing.T) {
	created, err := activities.Create(1, spec(), 9, now)
	if err != nil {
		t.Fatal(err)
	}
	if created.Title != "春游" || len(created.Form) != 7 {
		t.Fatalf("created: %+v", created)
	}
	tests := []struct {
		name string
		edit func(*activities.Spec)
		want []string
	}{
		{"blank title", func(s *activities.Spec) { s.Title = "  " }, []string{"title"}},
		{"ends before start", func(s *activities.Spec) { s.EndsAt = s.StartsAt }, []string{"ends_at"}},
		{"negative limit", func(s *activities.Spec) { s.ParticipantLimit = -1 }, []string{"participant_limit"}},
		{"duplicate names", func(s *activities.Spec) { s.Form[1].Name = "name" }, []string{"form[1].name"}},
		{"bad name", func(s *activities.Spec) { s.Form[0].Name = "1x" }, []string{"form[0].name"}},
		{"blank label", func(s *activities.Spec) { s.Form[0].Label = "" }, []string{"form[0].label"}},
		{"unknown type", func(s *activities.Spec) { s.Form[0].Type = "colour" }, []string{"form[0].type"}},
		{"choice without choices", func(s *activities.Spec) { s.Form[2].Choices = nil }, []string{"form[2].choices"}},
		{"duplicate choices", func(s *activities.Spec) { s.Form[3].Choices = []string{"周六", "周六"} }, []string{"form[3].choices"}},
		{"several", func(s *activities.Spec) { s.Title = ""; s.Form[6].Type = "" }, []string{"title", "form[6].type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec()
			s.Form = form()
			tt.edit(&s)
			_, err := activities.Create(1, s, 9, now)
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func history(events ...eventlog.Event) activities.Activity {
	envs := make([]eventlog.Envelope, len(events))
	for i, e := range events {
		envs[i] = eventlog.Envelope{Event: e}
	}
	return activities.Fold(envs)
}

func TestChange(t *testing.T) {
	created, _ := activities.Create(1, spec(), 9, now)
	a := history(created)
	closed := false
	evs, err := activities.Change(a, activities.Patch{EnrollmentOpen: &closed}, now)
	if err != nil || len(evs) != 1 || evs[0].EventType() != activities.EventEnrollmentClosed {
		t.Fatalf("close: %v %v", evs, err)
	}
	title := "秋游"
	open := true
	evs, err = activities.Change(a, activities.Patch{Title: &title, EnrollmentOpen: &open}, now)
	if err != nil || len(evs) != 1 || evs[0].EventType() != activities.EventActivityChanged {
		t.Fatalf("retitle: %v %v", evs, err)
	}
	same := "春游"
	if evs, err := activities.Change(a, activities.Patch{Title: &same}, now); err != nil || len(evs) != 0 {
		t.Fatalf("no-op: %v %v", evs, err)
	}
	removed := history(created, activities.ActivityRemoved{ActivityID: 1})
	if _, err := activities.Change(removed, activities.Patch{Title: &title}, now); !errors.Is(err, activities.ErrActivityNotFound) {
		t.Fatalf("change removed: %v", err)
	}
}

func TestEnroll(t *testing.T) {
	created, _ := activities.Create(1, spec(), 9, now)
	good := map[string]any{"name": "张三", "size": "M", "age": json.Number("30"), "days": []any{"周日"}, "birthday": "1990-01-02",
		"phone": "+86 138-0000-0000", "email": "a@example.com"}
	a := history(created)
	e, err := activities.Enroll(a, activities.Request{EnrollmentID: 10, UserID: 5, Answers: good}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "张三", "size": "M", "age": 30.0, "days": []string{"周日"}, "birthday": "1990-01-02",
		"phone": "+86 138-0000-0000", "email": "a@example.com"}
	if diff := cmp.Diff(want, e.Answers); diff != "" || e.Enrolled != 1 {
		t.Fatalf("answers (-want +got):\n%s", diff)
	}
	a = a.Apply(e)
	if _, err := activities.Enroll(a, activities.Request{EnrollmentID: 11, UserID: 5, Answers: good}, now); !errors.Is(err, activities.ErrAlreadyEnrolled) {
		t.Fatalf("twice: %v", err)
	}
	a = a.Apply(activities.UserEnrolled{EnrollmentID: 11, ActivityID: 1, UserID: 6})
	if _, err := activities.Enroll(a, activities.Request{EnrollmentID: 12, UserID: 7, Answers: good}, now); !errors.Is(err, activities.ErrActivityFull) {
		t.Fatalf("full: %v", err)
	}
	w, err := activities.Withdraw(a, 11, activities.Withdrawer{UserID: 6}, now)
	if err != nil || w.Enrolled != 1 {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := activities.Withdraw(a, 11, activities.Withdrawer{UserID: 7}, now); !errors.Is(err, activities.ErrEnrollmentNotFound) {
		t.Fatalf("stranger withdraws: %v", err)
	}
	a = a.Apply(w)
	if _, err := activities.Enroll(a, activities.Request{EnrollmentID: 12, UserID: 7, Answers: good}, now); err != nil {
		t.Fatalf("freed place: %v", err)
	}
	a = a.Apply(activities.EnrollmentClosed{ActivityID: 1})
	if _, err := activities.Enroll(a, activities.Request{EnrollmentID: 13, UserID: 8, Answers: good}, now); !errors.Is(err, activities.ErrEnrollmentClosed) {
		t.Fatalf("closed: %v", err)
	}
	if _, err := activities.Enroll(activities.Activity{}, activities.Request{UserID: 8}, now); !errors.Is(err, activities.ErrNoSuchActivity) {
		t.Fatalf("no activity: %v", err)
	}
}

func TestCheckAnswers(t *testing.T) {
	tests := []struct {
		name    string
		answers map[string]any
		want    []string
	}{
		{"required missing", map[string]any{"size": "S"}, []string{"answers.name"}},
		{"required blank", map[string]any{"name": "  ", "size": "S"}, []string{"answers.name"}},
		{"unknown field", map[string]any{"name": "x", "size": "S", "shoe": "42"}, []string{"answers.shoe"}},
		{"bad choice", map[string]any{"name": "x", "size": "XL"}, []string{"answers.size"}},
		{"bad number", map[string]any{"name": "x", "size": "S", "age": "old"}, []string{"answers.age"}},
		{"multichoice not a list", map[string]any{"name": "x", "size": "S", "days": "周六"}, []string{"answers.days"}},
		{"multichoice twice", map[string]any{"name": "x", "size": "S", "days": []any{"周六", "周六"}}, []string{"answers.days"}},
		{"bad date", map[string]any{"name": "x", "size": "S", "birthday": "02/01/1990"}, []string{"answers.birthday"}},
		{"bad phone", map[string]any{"name": "x", "size": "S", "phone": "call me"}, []string{"answers.phone"}},
		{"bad email", map[string]any{"name": "x", "size": "S", "email": "Bob <b@example.com>"}, []string{"answers.email"}},
		{"object for text", map[string]any{"name": map[string]any{}, "size": "S"}, []string{"answers.name"}},
		{"fine, optional nulls", map[string]any{"name": "x", "size": "S", "age": nil, "days": []any{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := activities.CheckAnswers(activities.NormalizeForm(form()), tt.answers)
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}
