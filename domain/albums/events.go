// Package albums is 004's generation jobs: the photo album ("movie", an MP4
// slideshow) and the long image ("photo", a tall captioned picture). A job
// is created empty, receives its images and the client's info.json, is
// started, and then goes through the worker's steps to a result file or a
// failure; an expiry job clears old ones.
//
// It is pure: decisions take the job's state, the time and allocated ids as
// arguments and return events or a classified error (domain/fault).
//
// Stream:
//
//	albumjob-<id>  AlbumJobCreated, AlbumImageUploaded, AlbumInfoUploaded,
//	               AlbumJobQueued, AlbumJobProgressed, AlbumJobFinished,
//	               AlbumJobFailed, AlbumJobExpired, AlbumJobDeleted
//	               (the state is the fold of the stream: a job has a few
//	               dozen events at most)
//
// Ids come from the sequence "albumjob", shared by both kinds. Files live in
// the file store; events carry their keys, sizes and digests.
package albums

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Category is the jobs' stream category; Sequence names their ids.
const (
	Category = "albumjob"
	Sequence = "albumjob"
)

// Kind is what a job makes.
type Kind string

// The kinds of jobs.
const (
	Movie Kind = "movie"
	Photo Kind = "photo"
)

// Valid reports whether k is a kind.
func (k Kind) Valid() bool { return k == Movie || k == Photo }

// Stream is a job's stream.
func Stream(id int64) string { return eventlog.StreamID(Category, strconv.FormatInt(id, 10)) }

// Wire names of the events.
const (
	EventJobCreated    = "AlbumJobCreated_v1"
	EventImageUploaded = "AlbumImageUploaded_v1"
	EventInfoUploaded  = "AlbumInfoUploaded_v1"
	EventJobQueued     = "AlbumJobQueued_v1"
	EventJobProgressed = "AlbumJobProgressed_v1"
	EventJobFinished   = "AlbumJobFinished_v1"
	EventJobFailed     = "AlbumJobFailed_v1"
	EventJobExpired    = "AlbumJobExpired_v1"
	EventJobDeleted    = "AlbumJobDeleted_v1"
)

// AlbumJobCreated records a new, empty job (status 0).
type AlbumJobCreated struct {
	JobID     int64     `json:"job_id"`
	Kind      Kind      `json:"kind"`
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
}

// File is a stored upload or result.
type File struct {
	Key         string `json:"file_key"`
	Name        string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
}

// AlbumImageUploaded records an image that decoded (Name is the name the
// client sent, which info.json's "images" refers to).
type AlbumImageUploaded struct {
	JobID      int64     `json:"job_id"`
	Image      File      `json:"image"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// Factor is the client's object recognition of one image: its labels and
// their probabilities.
type Factor struct {
	Types  []string  `json:"types"`
	Values []float64 `json:"values"`
}

// Info is the client's info.json.
type Info struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Share       bool     `json:"share"`
	Tag         int      `json:"tag"`
	FPS         int      `json:"fps"`
	Music       string   `json:"music"`
	Latitude    *float64 `json:"latitude"`
	Longitude   *float64 `json:"longitude"`
	Images      []string `json:"images"`
	Factors     []Factor `json:"factors"`
}

// AlbumInfoUploaded records the client's info.json (the last one counts).
type AlbumInfoUploaded struct {
	JobID      int64     `json:"job_id"`
	Info       Info      `json:"info"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// AlbumJobQueued records a start: the job waits for a worker (status 100).
// Attempt counts the starts; Message is what the start answered.
type AlbumJobQueued struct {
	JobID    int64     `json:"job_id"`
	Kind     Kind      `json:"kind"`
	Attempt  int       `json:"attempt"`
	Message  string    `json:"message"`
	QueuedAt time.Time `json:"queued_at"`
}

// Shot is what the analysis found in one image, in the job's order.
type Shot struct {
	Key     string     `json:"file_key"`
	Width   int        `json:"width"`
	Height  int        `json:"height"`
	TakenAt *time.Time `json:"taken_at"`
	// Latitude and Longitude are the EXIF GPS position, when any.
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	// Colours are the dominant colours, most common first, as #rrggbb.
	Colours []string `json:"colours"`
	Labels  []string `json:"labels"`
}

// AlbumJobProgressed records that the worker finished a step and began the
// next one (Status, 101–105), with the finished step's results: Shots after
// the analysis (102 done), Poem after 103, Template after 104.
type AlbumJobProgressed struct {
	JobID    int64     `json:"job_id"`
	Attempt  int       `json:"attempt"`
	Status   int       `json:"status"`
	Shots    []Shot    `json:"shots,omitempty"`
	Poem     []string  `json:"poem,omitempty"`
	Template string    `json:"template,omitempty"`
	At       time.Time `json:"at"`
}

// AlbumJobFinished records the result (status 200): the MP4 or the long
// image, and its cover.
type AlbumJobFinished struct {
	JobID      int64     `json:"job_id"`
	Attempt    int       `json:"attempt"`
	Result     File      `json:"result"`
	Cover      File      `json:"cover"`
	DurationMS int64     `json:"duration_ms"`
	FinishedAt time.Time `json:"finished_at"`
}

// AlbumJobFailed records a failed attempt (status −1; a start queues it
// again).
type AlbumJobFailed struct {
	JobID    int64     `json:"job_id"`
	Attempt  int       `json:"attempt"`
	Reason   string    `json:"reason"`
	FailedAt time.Time `json:"failed_at"`
}

// AlbumJobExpired records that the expiry job cleared the job (status −2):
// its files are deleted.
type AlbumJobExpired struct {
	JobID     int64     `json:"job_id"`
	ExpiredAt time.Time `json:"expired_at"`
}

// AlbumJobDeleted records that the owner deleted the job; its files are
// deleted.
type AlbumJobDeleted struct {
	JobID     int64     `json:"job_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

func (AlbumJobCreated) EventType() string    { return EventJobCreated }
func (AlbumImageUploaded) EventType() string { return EventImageUploaded }
func (AlbumInfoUploaded) EventType() string  { return EventInfoUploaded }
func (AlbumJobQueued) EventType() string     { return EventJobQueued }
func (AlbumJobProgressed) EventType() string { return EventJobProgressed }
func (AlbumJobFinished) EventType() string   { return EventJobFinished }
func (AlbumJobFailed) EventType() string     { return EventJobFailed }
func (AlbumJobExpired) EventType() string    { return EventJobExpired }
func (AlbumJobDeleted) EventType() string    { return EventJobDeleted }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		AlbumJobCreated{}, AlbumImageUploaded{}, AlbumInfoUploaded{}, AlbumJobQueued{}, AlbumJobProgressed{},
		AlbumJobFinished{}, AlbumJobFailed{}, AlbumJobExpired{}, AlbumJobDeleted{},
	}
}

// Rendered is a rendered result and its cover.
type Rendered struct {
	Data          []byte
	Ext           string
	ContentType   string
	Width, Height int
	Duration      time.Duration
	Cover         []byte
	CoverExt      string
	CoverWidth    int
	CoverHeight   int
}

// Slide is one image of a job to render, with its caption.
type Slide struct {
	Image   []byte
	Caption string
}
