package guides

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of the fields (the original Django models' max_length) and files.
const (
	MaxCategoryNameLength = 64
	MaxTitleLength        = 128
	MaxFileNameLength     = 255
	MaxFileSize           = 10 << 20
	// EmailsPerHour is how many guides a user may have mailed in an hour.
	EmailsPerHour = 10
)

// Errors of the module.
var (
	ErrCategoryNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrGuideNotFound    = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrCategoryNotEmpty = &fault.Error{Kind: fault.Conflict, Code: "GUIDE_CATEGORY_NOT_EMPTY", Message: "该分类下还有服务指南，请先删除或移走它们"}
)

// ErrTooManyEmails answers the request over the hourly limit; retryAfter is
// when the oldest request of the hour leaves it.
func ErrTooManyEmails(retryAfter time.Duration) error {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	return &fault.Error{Kind: fault.RateLimited, Code: "GUIDE_EMAIL_THROTTLED", RetryAfterSeconds: secs,
		Message: "Request was throttled. Expected available in " + strconv.Itoa(secs) + " seconds."}
}

// Category is a guide category's state, carried by its stream's last event.
type Category struct {
	ID      int64
	Name    string
	exists  bool
	removed bool
}

// Exists reports whether the category was added and not removed.
func (c Category) Exists() bool { return c.exists && !c.removed }

// CategoryFrom returns the state carried by a category stream's last event
// (nil: none).
func CategoryFrom(last eventlog.Event) Category {
	switch e := last.(type) {
	case GuideCategoryAdded:
		return Category{ID: e.CategoryID, Name: e.Name, exists: true}
	case GuideCategoryChanged:
		return Category{ID: e.CategoryID, Name: e.Name, exists: true}
	case GuideCategoryRemoved:
		return Category{ID: e.CategoryID, exists: true, removed: true}
	}
	return Category{}
}

func checkText(field, v string, maxLen int) error {
	switch {
	case strings.TrimSpace(v) == "":
		return fault.Invalidf(field, "This field may not be blank.")
	case utf8.RuneCountInString(v) > maxLen:
		return fault.Invalidf(field, "Ensure this field has no more than %d characters.", maxLen)
	}
	return nil
}

// AddCategory decides a new category with an allocated id.
func AddCategory(id int64, name string, now time.Time) (GuideCategoryAdded, error) {
	name = strings.TrimSpace(name)
	if err := checkText("name", name, MaxCategoryNameLength); err != nil {
		return GuideCategoryAdded{}, err
	}
	return GuideCategoryAdded{CategoryID: id, Name: name, AddedAt: now}, nil
}

// RenameCategory decides a category's new name; the same name appends
// nothing (nil event, nil error).
func RenameCategory(c Category, name string, now time.Time) (*GuideCategoryChanged, error) {
	if !c.Exists() {
		return nil, ErrCategoryNotFound
	}
	name = strings.TrimSpace(name)
	if err := checkText("name", name, MaxCategoryNameLength); err != nil {
		return nil, err
	}
	if name == c.Name {
		return nil, nil
	}
	return &GuideCategoryChanged{CategoryID: c.ID, Name: name, ChangedAt: now}, nil
}

// RemoveCategory decides the removal of a category that holds no guide
// (guides is how many it holds, as the read model knows).
func RemoveCategory(c Category, guides int, now time.Time) (GuideCategoryRemoved, error) {
	if !c.Exists() {
		return GuideCategoryRemoved{}, ErrCategoryNotFound
	}
	if guides > 0 {
		return GuideCategoryRemoved{}, ErrCategoryNotEmpty
	}
	return GuideCategoryRemoved{CategoryID: c.ID, RemovedAt: now}, nil
}

// ErrNoSuchCategory answers a guide naming a category that does not exist,
// as DRF's PrimaryKeyRelatedField does.
func ErrNoSuchCategory(id int64) error {
	return fault.Invalidf("category", "Invalid pk \"%d\" - object does not exist.", id)
}

// CheckFile validates an uploaded file's facts.
func CheckFile(f File) error {
	switch {
	case f.Size == 0:
		return fault.Invalidf("file", "The submitted file is empty.")
	case f.Size > MaxFileSize:
		return fault.Invalidf("file", "文件不能超过%dMB", MaxFileSize>>20)
	case strings.TrimSpace(f.Name) == "":
		return fault.Invalidf("file", "No filename could be determined.")
	case utf8.RuneCountInString(f.Name) > MaxFileNameLength:
		return fault.Invalidf("file", "Ensure this filename has at most %d characters (it has %d).", MaxFileNameLength, utf8.RuneCountInString(f.Name))
	case f.Key == "" || len(f.SHA256) != 64:
		return errors.New("guides: file without key or digest")
	}
	return nil
}

// Guide is a guide's state, carried by its stream's last event.
type Guide struct {
	ID         int64
	Title      string
	CategoryID int64
	File       File
	exists     bool
	removed    bool
}

// Exists reports whether the guide was uploaded and not removed.
func (g Guide) Exists() bool { return g.exists && !g.removed }

// GuideFrom returns the state carried by a guide stream's last event (nil:
// none).
func GuideFrom(last eventlog.Event) Guide {
	switch e := last.(type) {
	case GuideUploaded:
		return Guide{ID: e.GuideID, Title: e.Title, CategoryID: e.CategoryID, File: e.File, exists: true}
	case GuideChanged:
		return Guide{ID: e.GuideID, Title: e.Title, CategoryID: e.CategoryID, File: e.File, exists: true}
	case GuideRemoved:
		return Guide{ID: e.GuideID, exists: true, removed: true}
	}
	return Guide{}
}

// Upload is an admin's new guide. The category's existence is checked by the
// command (it lives on its own stream).
type Upload struct {
	Title      string
	CategoryID int64
	File       File
	By         int64
}

// CheckUpload validates an upload's input.
func CheckUpload(u Upload) error {
	return errors.Join(checkText("title", strings.TrimSpace(u.Title), MaxTitleLength), CheckFile(u.File))
}

// UploadGuide decides a new guide with an allocated id.
func UploadGuide(id int64, u Upload, now time.Time) (GuideUploaded, error) {
	if err := CheckUpload(u); err != nil {
		return GuideUploaded{}, err
	}
	return GuideUploaded{GuideID: id, Title: strings.TrimSpace(u.Title), CategoryID: u.CategoryID, File: u.File,
		UploadedBy: u.By, UploadedAt: now}, nil
}

// Edit is a partial edit of a guide: nil fields keep their value; File
// replaces the file.
type Edit struct {
	Title      *string
	CategoryID *int64
	File       *File
	By         int64
}

// ChangeGuide decides an edit; one that changes nothing appends nothing.
func ChangeGuide(g Guide, e Edit, now time.Time) (*GuideChanged, error) {
	if !g.Exists() {
		return nil, ErrGuideNotFound
	}
	next := GuideChanged{GuideID: g.ID, Title: g.Title, CategoryID: g.CategoryID, File: g.File, ChangedBy: e.By, ChangedAt: now}
	var errs []error
	if e.Title != nil {
		next.Title = strings.TrimSpace(*e.Title)
		errs = append(errs, checkText("title", next.Title, MaxTitleLength))
	}
	if e.CategoryID != nil {
		next.CategoryID = *e.CategoryID
	}
	if e.File != nil {
		errs = append(errs, CheckFile(*e.File))
		next.Replaced = *e.File != g.File
		next.File = *e.File
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if next.Title == g.Title && next.CategoryID == g.CategoryID && next.File == g.File {
		return nil, nil
	}
	return &next, nil
}

// RemoveGuide decides the removal of a guide.
func RemoveGuide(g Guide, by int64, now time.Time) (GuideRemoved, error) {
	if !g.Exists() {
		return GuideRemoved{}, ErrGuideNotFound
	}
	return GuideRemoved{GuideID: g.ID, RemovedBy: by, RemovedAt: now}, nil
}

// RecentFrom returns the request times carried by a guidemail stream's last
// event (nil: none).
func RecentFrom(last eventlog.Event) []time.Time {
	if e, ok := last.(GuideEmailRequested); ok {
		return e.Recent
	}
	return nil
}

// RequestEmail decides a user's request to have guide g mailed, given the
// user's earlier requests (recent, from the stream's last event): at most
// EmailsPerHour in any hour.
func RequestEmail(g Guide, userID int64, recent []time.Time, now time.Time) (GuideEmailRequested, error) {
	if !g.Exists() {
		return GuideEmailRequested{}, ErrGuideNotFound
	}
	hourAgo := now.Add(-time.Hour)
	kept := slices.DeleteFunc(slices.Clone(recent), func(t time.Time) bool { return !t.After(hourAgo) })
	if len(kept) >= EmailsPerHour {
		return GuideEmailRequested{}, ErrTooManyEmails(kept[0].Sub(hourAgo))
	}
	return GuideEmailRequested{UserID: userID, GuideID: g.ID, Title: g.Title, File: g.File,
		RequestedAt: now, Recent: append(kept, now)}, nil
}
