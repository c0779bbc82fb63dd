// Package comments is Roamio's threaded comments (000, /api/v1/comments/):
// comments on a page (a trip's slug, or any key of at most 16 characters),
// replies to a comment of the same page, images and videos, likes once per
// user, pinning by administrators, deletion by the author or an
// administrator.
//
// Streams:
//
//	comment-<id>                    CommentPosted, CommentEdited,
//	                                CommentMediaAdded, CommentPinned,
//	                                CommentDeleted
//	commentlike-<id>_<user>         CommentLiked / CommentUnliked alternating
//	                                (one user's like of one comment)
//
// Comment ids come from the sequence "comment".
package comments

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories and the sequence.
const (
	CommentCategory = "comment"
	LikeCategory    = "commentlike"
	CommentSequence = "comment"
)

// CommentStream is a comment's stream.
func CommentStream(id int64) string {
	return eventlog.StreamID(CommentCategory, strconv.FormatInt(id, 10))
}

// LikeStream is one user's like of one comment.
func LikeStream(commentID, userID int64) string {
	return eventlog.StreamID(LikeCategory, strconv.FormatInt(commentID, 10)+"_"+strconv.FormatInt(userID, 10))
}

// Wire names of the events.
const (
	EventCommentPosted     = "CommentPosted_v1"
	EventCommentEdited     = "CommentEdited_v1"
	EventCommentMediaAdded = "CommentMediaAdded_v1"
	EventCommentPinned     = "CommentPinned_v1"
	EventCommentDeleted    = "CommentDeleted_v1"
	EventCommentLiked      = "CommentLiked_v1"
	EventCommentUnliked    = "CommentUnliked_v1"
)

// CommentPosted records a comment (ParentID 0: top level; RootID: the top
// level comment of its thread, itself when top level).
type CommentPosted struct {
	CommentID int64     `json:"comment_id"`
	UserID    int64     `json:"user_id"`
	Page      string    `json:"page"`
	ParentID  int64     `json:"parent_id"`
	RootID    int64     `json:"root_id"`
	Content   string    `json:"content"`
	Image     string    `json:"image"`
	Video     string    `json:"video"`
	PostedAt  time.Time `json:"posted_at"`
}

// CommentEdited records the author's new text.
type CommentEdited struct {
	CommentID int64     `json:"comment_id"`
	Content   string    `json:"content"`
	EditedAt  time.Time `json:"edited_at"`
}

// CommentMediaAdded records an image or video set on a comment (Kind
// "image" or "video"; URL the link).
type CommentMediaAdded struct {
	CommentID int64     `json:"comment_id"`
	Kind      string    `json:"kind"`
	URL       string    `json:"url"`
	AddedAt   time.Time `json:"added_at"`
}

// CommentPinned records an administrator's pin or unpin.
type CommentPinned struct {
	CommentID int64     `json:"comment_id"`
	Pinned    bool      `json:"pinned"`
	By        int64     `json:"by"`
	At        time.Time `json:"at"`
}

// CommentDeleted records a deletion by the author or an administrator.
type CommentDeleted struct {
	CommentID int64     `json:"comment_id"`
	ParentID  int64     `json:"parent_id"`
	Page      string    `json:"page"`
	DeletedBy int64     `json:"deleted_by"`
	DeletedAt time.Time `json:"deleted_at"`
}

// CommentLiked records a user's like.
type CommentLiked struct {
	CommentID int64     `json:"comment_id"`
	UserID    int64     `json:"user_id"`
	LikedAt   time.Time `json:"liked_at"`
}

// CommentUnliked records a user taking their like back.
type CommentUnliked struct {
	CommentID int64     `json:"comment_id"`
	UserID    int64     `json:"user_id"`
	UnlikedAt time.Time `json:"unliked_at"`
}

func (CommentPosted) EventType() string     { return EventCommentPosted }
func (CommentEdited) EventType() string     { return EventCommentEdited }
func (CommentMediaAdded) EventType() string { return EventCommentMediaAdded }
func (CommentPinned) EventType() string     { return EventCommentPinned }
func (CommentDeleted) EventType() string    { return EventCommentDeleted }
func (CommentLiked) EventType() string      { return EventCommentLiked }
func (CommentUnliked) EventType() string    { return EventCommentUnliked }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{CommentPosted{}, CommentEdited{}, CommentMediaAdded{}, CommentPinned{}, CommentDeleted{},
		CommentLiked{}, CommentUnliked{}}
}
