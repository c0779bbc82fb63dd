// Package forum is 004's community (社区): posts with their edits and
// deletion by the author, and the comments and likes of the travel log —
// on forum posts and on the shared album ("movie") and long-image ("photo")
// jobs alike, which all have the same shape (a subject, its comments, each
// counted once per user).
//
// It is pure: decisions take the current state, the time and allocated ids
// as arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	forumpost-<id>                   ForumPostPublished, ForumPostEdited, ForumPostDeleted
//	                                 (each carries the post's whole state)
//	travelcomment-<id>               TravelCommentPosted, TravelCommentDeleted
//	travellike-<subject>_<id>_<uid>  TravelLiked: one stream per subject and user, so a
//	                                 second like finds the stream and is refused
//	travelcommentlike-<cid>_<uid>    TravelCommentLiked, likewise
//
// Ids come from the sequences "forumpost" and "travelcomment".
package forum

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories.
const (
	PostCategory        = "forumpost"
	CommentCategory     = "travelcomment"
	LikeCategory        = "travellike"
	CommentLikeCategory = "travelcommentlike"
)

// Sequence names of the module's ids.
const (
	PostSequence    = "forumpost"
	CommentSequence = "travelcomment"
)

// Subject is what a comment or a like is about.
type Subject string

// The subjects of comments and likes.
const (
	SubjectPost  Subject = "post"
	SubjectMovie Subject = "movie"
	SubjectPhoto Subject = "photo"
)

// Valid reports whether s is one of the subjects.
func (s Subject) Valid() bool { return s == SubjectPost || s == SubjectMovie || s == SubjectPhoto }

// PostStream is the stream of a post.
func PostStream(id int64) string {
	return eventlog.StreamID(PostCategory, strconv.FormatInt(id, 10))
}

// CommentStream is the stream of a comment.
func CommentStream(id int64) string {
	return eventlog.StreamID(CommentCategory, strconv.FormatInt(id, 10))
}

// LikeStream is the stream of one user's like of one subject.
func LikeStream(s Subject, id, userID int64) string {
	return eventlog.StreamID(LikeCategory, string(s)+"_"+strconv.FormatInt(id, 10)+"_"+strconv.FormatInt(userID, 10))
}

// CommentLikeStream is the stream of one user's like of one comment.
func CommentLikeStream(commentID, userID int64) string {
	return eventlog.StreamID(CommentLikeCategory, strconv.FormatInt(commentID, 10)+"_"+strconv.FormatInt(userID, 10))
}

// Wire names of the events.
const (
	EventPostPublished  = "ForumPostPublished_v1"
	EventPostEdited     = "ForumPostEdited_v1"
	EventPostDeleted    = "ForumPostDeleted_v1"
	EventCommentPosted  = "TravelCommentPosted_v1"
	EventCommentDeleted = "TravelCommentDeleted_v1"
	EventLiked          = "TravelLiked_v1"
	EventCommentLiked   = "TravelCommentLiked_v1"
)

// ForumPostPublished records a new post.
type ForumPostPublished struct {
	PostID      int64     `json:"post_id"`
	AuthorID    int64     `json:"author_id"`
	Title       string    `json:"title"`
	PostType    int       `json:"post_type"`
	Text        string    `json:"text"`
	Cover       string    `json:"cover"`
	Reference   string    `json:"reference"`
	PublishedAt time.Time `json:"published_at"`
}

// ForumPostEdited records a post's state after its author edited it.
type ForumPostEdited struct {
	PostID    int64     `json:"post_id"`
	AuthorID  int64     `json:"author_id"`
	Title     string    `json:"title"`
	PostType  int       `json:"post_type"`
	Text      string    `json:"text"`
	Cover     string    `json:"cover"`
	Reference string    `json:"reference"`
	EditedAt  time.Time `json:"edited_at"`
}

// ForumPostDeleted records that the author deleted a post.
type ForumPostDeleted struct {
	PostID    int64     `json:"post_id"`
	AuthorID  int64     `json:"author_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// TravelCommentPosted records a comment on a subject.
type TravelCommentPosted struct {
	CommentID int64     `json:"comment_id"`
	Subject   Subject   `json:"subject"`
	SubjectID int64     `json:"subject_id"`
	AuthorID  int64     `json:"author_id"`
	Text      string    `json:"text"`
	PostedAt  time.Time `json:"posted_at"`
}

// TravelCommentDeleted records that the author deleted a comment.
type TravelCommentDeleted struct {
	CommentID int64     `json:"comment_id"`
	Subject   Subject   `json:"subject"`
	SubjectID int64     `json:"subject_id"`
	AuthorID  int64     `json:"author_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// TravelLiked records one user's like of a subject (once per user).
type TravelLiked struct {
	Subject   Subject   `json:"subject"`
	SubjectID int64     `json:"subject_id"`
	UserID    int64     `json:"user_id"`
	LikedAt   time.Time `json:"liked_at"`
}

// TravelCommentLiked records one user's like of a comment (once per user).
type TravelCommentLiked struct {
	CommentID int64     `json:"comment_id"`
	UserID    int64     `json:"user_id"`
	LikedAt   time.Time `json:"liked_at"`
}

func (ForumPostPublished) EventType() string   { return EventPostPublished }
func (ForumPostEdited) EventType() string      { return EventPostEdited }
func (ForumPostDeleted) EventType() string     { return EventPostDeleted }
func (TravelCommentPosted) EventType() string  { return EventCommentPosted }
func (TravelCommentDeleted) EventType() string { return EventCommentDeleted }
func (TravelLiked) EventType() string          { return EventLiked }
func (TravelCommentLiked) EventType() string   { return EventCommentLiked }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		ForumPostPublished{}, ForumPostEdited{}, ForumPostDeleted{},
		TravelCommentPosted{}, TravelCommentDeleted{}, TravelLiked{}, TravelCommentLiked{},
	}
}
