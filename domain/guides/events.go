// Package guides is 001's service guides (服务指南): documents, forms and
// materials that admins upload into categories, which users download or have
// mailed to themselves.
//
// It is pure: decisions take the current state, the time and allocated ids
// as arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	guidecategory-<id>   GuideCategoryAdded, GuideCategoryChanged, GuideCategoryRemoved
//	guide-<id>           GuideUploaded, GuideChanged, GuideRemoved
//	                     (each event carries the whole state: a decision reads only
//	                     the stream's last event)
//	guidemail-<user id>  GuideEmailRequested: a user's requests to have a guide
//	                     mailed; each carries the user's requests of the last hour,
//	                     so the hourly limit is decided on the last event with the
//	                     stream's exact version
//
// The file itself lives in the file store; events carry its key, size,
// content type and SHA-256, never its bytes. Ids come from the sequences
// "guidecategory" and "guide".
package guides

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories.
const (
	CategoryCategory = "guidecategory"
	GuideCategory    = "guide"
	EmailCategory    = "guidemail"
)

// Sequence names of the module's ids.
const (
	CategorySequence = "guidecategory"
	GuideSequence    = "guide"
)

// CategoryStream is the stream of a guide category.
func CategoryStream(id int64) string {
	return eventlog.StreamID(CategoryCategory, strconv.FormatInt(id, 10))
}

// GuideStream is the stream of a guide.
func GuideStream(id int64) string {
	return eventlog.StreamID(GuideCategory, strconv.FormatInt(id, 10))
}

// EmailStream is the stream of a user's e-mail requests.
func EmailStream(userID int64) string {
	return eventlog.StreamID(EmailCategory, strconv.FormatInt(userID, 10))
}

// Wire names of the events.
const (
	EventGuideCategoryAdded   = "GuideCategoryAdded_v1"
	EventGuideCategoryChanged = "GuideCategoryChanged_v1"
	EventGuideCategoryRemoved = "GuideCategoryRemoved_v1"
	EventGuideUploaded        = "GuideUploaded_v1"
	EventGuideChanged         = "GuideChanged_v1"
	EventGuideRemoved         = "GuideRemoved_v1"
	EventGuideEmailRequested  = "GuideEmailRequested_v1"
)

// GuideCategoryAdded records a new category (admin).
type GuideCategoryAdded struct {
	CategoryID int64     `json:"category_id"`
	Name       string    `json:"name"`
	AddedAt    time.Time `json:"added_at"`
}

// GuideCategoryChanged records a category's new name (admin).
type GuideCategoryChanged struct {
	CategoryID int64     `json:"category_id"`
	Name       string    `json:"name"`
	ChangedAt  time.Time `json:"changed_at"`
}

// GuideCategoryRemoved records that a category is gone (admin); only an
// empty category can be removed.
type GuideCategoryRemoved struct {
	CategoryID int64     `json:"category_id"`
	RemovedAt  time.Time `json:"removed_at"`
}

// File is a stored file: its key in the file store, the name it was
// uploaded with, its content type, size in bytes and SHA-256 (hex).
type File struct {
	Key         string `json:"file_key"`
	Name        string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// GuideUploaded records a new guide and its file (admin).
type GuideUploaded struct {
	GuideID    int64  `json:"guide_id"`
	Title      string `json:"title"`
	CategoryID int64  `json:"category_id"`
	File
	UploadedBy int64     `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// GuideChanged records a guide's state after an edit (admin): every field is
// the value after the change; a new file replaces the old one.
type GuideChanged struct {
	GuideID    int64  `json:"guide_id"`
	Title      string `json:"title"`
	CategoryID int64  `json:"category_id"`
	File
	Replaced  bool      `json:"replaced"`
	ChangedBy int64     `json:"changed_by"`
	ChangedAt time.Time `json:"changed_at"`
}

// GuideRemoved records that a guide is no longer offered (admin). The file
// stays in the store: mail already queued still sends it.
type GuideRemoved struct {
	GuideID   int64     `json:"guide_id"`
	RemovedBy int64     `json:"removed_by"`
	RemovedAt time.Time `json:"removed_at"`
}

// GuideEmailRequested records a user's request to have a guide mailed to
// their own address. It carries the guide's file as it was when asked, so the
// mail worker sends exactly that; the address is looked up when the mail is
// sent (personal data stays out of the log). Recent is the user's requests in
// the last hour, this one included.
type GuideEmailRequested struct {
	UserID  int64  `json:"user_id"`
	GuideID int64  `json:"guide_id"`
	Title   string `json:"title"`
	File
	RequestedAt time.Time   `json:"requested_at"`
	Recent      []time.Time `json:"recent"`
}

func (GuideCategoryAdded) EventType() string   { return EventGuideCategoryAdded }
func (GuideCategoryChanged) EventType() string { return EventGuideCategoryChanged }
func (GuideCategoryRemoved) EventType() string { return EventGuideCategoryRemoved }
func (GuideUploaded) EventType() string        { return EventGuideUploaded }
func (GuideChanged) EventType() string         { return EventGuideChanged }
func (GuideRemoved) EventType() string         { return EventGuideRemoved }
func (GuideEmailRequested) EventType() string  { return EventGuideEmailRequested }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		GuideCategoryAdded{}, GuideCategoryChanged{}, GuideCategoryRemoved{},
		GuideUploaded{}, GuideChanged{}, GuideRemoved{}, GuideEmailRequested{},
	}
}
