package comments

import (
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of a comment's fields.
const (
	MaxContentLength = 2000
	MaxPageLength    = 16
	MaxURLLength     = 500
	MediaImage       = "image"
	MediaVideo       = "video"
)

// Errors of comments.
var (
	ErrCommentNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	ErrNoSuchParent    = fault.Invalidf("parent", "Invalid pk - object does not exist.")
	ErrParentPage      = fault.Invalidf("parent", "A reply must be on its parent's page.")
)

// Comment is a comment's state, folded from its stream.
type Comment struct {
	ID       int64
	UserID   int64
	Page     string
	ParentID int64
	RootID   int64
	Content  string
	Pinned   bool
	Deleted  bool
}

// Exists reports whether the comment was posted and not deleted.
func (c Comment) Exists() bool { return c.ID != 0 && !c.Deleted }

// CommentFrom folds a comment's stream.
func CommentFrom(history []eventlog.Envelope) Comment {
	var c Comment
	for _, env := range history {
		switch e := env.Event.(type) {
		case CommentPosted:
			c = Comment{ID: e.CommentID, UserID: e.UserID, Page: e.Page, ParentID: e.ParentID, RootID: e.RootID, Content: e.Content}
		case CommentEdited:
			c.Content = e.Content
		case CommentPinned:
			c.Pinned = e.Pinned
		case CommentDeleted:
			c.Deleted = true
		}
	}
	return c
}

func checkContent(v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return fault.Invalidf("content", "This field may not be blank.")
	case utf8.RuneCountInString(v) > MaxContentLength:
		return fault.Invalidf("content", "Ensure this field has no more than %d characters.", MaxContentLength)
	}
	return nil
}

// CheckURL validates a media link: empty, or an http(s) URL of at most
// MaxURLLength characters (a path on this server, "/api/v1/media/…", too).
func CheckURL(field, v string) error {
	if v == "" {
		return nil
	}
	if utf8.RuneCountInString(v) > MaxURLLength {
		return fault.Invalidf(field, "Ensure this field has no more than %d characters.", MaxURLLength)
	}
	u, err := url.Parse(v)
	if err != nil || !(u.Scheme == "http" || u.Scheme == "https") && !(u.Scheme == "" && strings.HasPrefix(v, "/")) {
		return fault.Invalidf(field, "Enter a valid URL.")
	}
	return nil
}

// Post is a new comment.
type Post struct {
	UserID   int64
	Page     string
	ParentID int64
	Content  string
	Image    string
	Video    string
}

// CheckPost validates a post's fields.
func CheckPost(p Post) error {
	var errs []error
	errs = append(errs, checkContent(p.Content), CheckURL("image", p.Image), CheckURL("video", p.Video))
	switch {
	case strings.TrimSpace(p.Page) == "":
		errs = append(errs, fault.Invalidf("page", "This field may not be blank."))
	case utf8.RuneCountInString(p.Page) > MaxPageLength:
		errs = append(errs, fault.Invalidf("page", "Ensure this field has no more than %d characters.", MaxPageLength))
	}
	return errors.Join(errs...)
}

// PostComment decides a comment with an allocated id; parent is the
// parent's state when ParentID is set.
func PostComment(id int64, p Post, parent Comment, now time.Time) (CommentPosted, error) {
	if p.UserID <= 0 {
		return CommentPosted{}, access.ErrUnauthenticated
	}
	if err := CheckPost(p); err != nil {
		return CommentPosted{}, err
	}
	root := id
	if p.ParentID != 0 {
		if !parent.Exists() {
			return CommentPosted{}, ErrNoSuchParent
		}
		if parent.Page != p.Page {
			return CommentPosted{}, ErrParentPage
		}
		root = parent.RootID
	}
	return CommentPosted{CommentID: id, UserID: p.UserID, Page: p.Page, ParentID: p.ParentID, RootID: root,
		Content: p.Content, Image: p.Image, Video: p.Video, PostedAt: now}, nil
}

func mayChange(c Comment, a access.Actor) error {
	if !c.Exists() {
		return ErrCommentNotFound
	}
	if !a.Owns(c.UserID) && !a.Admin {
		return access.ErrForbidden
	}
	return nil
}

// Edit decides the author's new text (admins too); the same text appends
// nothing.
func Edit(c Comment, a access.Actor, content string, now time.Time) (*CommentEdited, error) {
	if err := mayChange(c, a); err != nil {
		return nil, err
	}
	if err := checkContent(content); err != nil {
		return nil, err
	}
	if content == c.Content {
		return nil, nil
	}
	return &CommentEdited{CommentID: c.ID, Content: content, EditedAt: now}, nil
}

// AddMedia decides an image or video set by the author (admins too).
func AddMedia(c Comment, a access.Actor, kind, link string, now time.Time) (CommentMediaAdded, error) {
	if err := mayChange(c, a); err != nil {
		return CommentMediaAdded{}, err
	}
	if err := CheckURL(kind, link); err != nil {
		return CommentMediaAdded{}, err
	}
	return CommentMediaAdded{CommentID: c.ID, Kind: kind, URL: link, AddedAt: now}, nil
}

// Delete decides a deletion by the author or an administrator.
func Delete(c Comment, a access.Actor, now time.Time) (CommentDeleted, error) {
	if err := mayChange(c, a); err != nil {
		return CommentDeleted{}, err
	}
	return CommentDeleted{CommentID: c.ID, ParentID: c.ParentID, Page: c.Page, DeletedBy: a.UserID, DeletedAt: now}, nil
}

// Pin decides an administrator's pin or unpin (no change: nothing).
func Pin(c Comment, a access.Actor, pinned bool, now time.Time) (*CommentPinned, error) {
	by, err := a.AdminUser()
	if err != nil {
		return nil, err
	}
	if !c.Exists() {
		return nil, ErrCommentNotFound
	}
	if c.Pinned == pinned {
		return nil, nil
	}
	return &CommentPinned{CommentID: c.ID, Pinned: pinned, By: by, At: now}, nil
}

// ToggleLike decides a user's like or unlike from the like stream's last
// event: liked when it was not.
func ToggleLike(last *eventlog.Envelope, commentID, userID int64, now time.Time) (eventlog.Event, bool) {
	if last != nil {
		if _, ok := last.Event.(CommentLiked); ok {
			return CommentUnliked{CommentID: commentID, UserID: userID, UnlikedAt: now}, false
		}
	}
	return CommentLiked{CommentID: commentID, UserID: userID, LikedAt: now}, true
}
