package forum

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Limits of the fields.
const (
	MaxTitleLength   = 100
	MaxTextLength    = 10000
	MaxCommentLength = 1000
	MaxLinkLength    = 255
	MaxPostType      = 1000
)

// Errors of the module, in 004's words (the edge answers a "TRAVEL_" fault
// with code 403 and its message).
var (
	ErrInvalid         = fault.New(fault.Invalid, "TRAVEL_INVALID", "参数无效")
	ErrPostNotFound    = fault.New(fault.NotFound, "TRAVEL_POST_NOT_FOUND", "找不到文章")
	ErrNotAuthor       = fault.New(fault.Forbidden, "TRAVEL_NOT_AUTHOR", "只有作者可以修改文章")
	ErrCommentNotFound = fault.New(fault.NotFound, "TRAVEL_COMMENT_NOT_FOUND", "找不到评论")
	ErrAlreadyLiked    = fault.New(fault.Conflict, "TRAVEL_ALREADY_LIKED", "已经点过赞啦~")
)

// Post is a post's state, carried by its stream's last event.
type Post struct {
	ID        int64
	AuthorID  int64
	Title     string
	PostType  int
	Text      string
	Cover     string
	Reference string
	exists    bool
	deleted   bool
}

// Exists reports whether the post was published and not deleted.
func (p Post) Exists() bool { return p.exists && !p.deleted }

// PostFrom returns the state carried by a post stream's last event (nil:
// none).
func PostFrom(last eventlog.Event) Post {
	switch e := last.(type) {
	case ForumPostPublished:
		return Post{ID: e.PostID, AuthorID: e.AuthorID, Title: e.Title, PostType: e.PostType, Text: e.Text,
			Cover: e.Cover, Reference: e.Reference, exists: true}
	case ForumPostEdited:
		return Post{ID: e.PostID, AuthorID: e.AuthorID, Title: e.Title, PostType: e.PostType, Text: e.Text,
			Cover: e.Cover, Reference: e.Reference, exists: true}
	case ForumPostDeleted:
		return Post{ID: e.PostID, AuthorID: e.AuthorID, exists: true, deleted: true}
	}
	return Post{}
}

// Draft is a post as its author writes it.
type Draft struct {
	Title     string
	PostType  int
	Text      string
	Cover     string
	Reference string
}

func (d Draft) clean() (Draft, error) {
	d.Title, d.Text = strings.TrimSpace(d.Title), strings.TrimSpace(d.Text)
	d.Cover, d.Reference = strings.TrimSpace(d.Cover), strings.TrimSpace(d.Reference)
	switch {
	case d.Title == "" || d.Text == "",
		utf8.RuneCountInString(d.Title) > MaxTitleLength,
		utf8.RuneCountInString(d.Text) > MaxTextLength,
		utf8.RuneCountInString(d.Cover) > MaxLinkLength,
		utf8.RuneCountInString(d.Reference) > MaxLinkLength,
		d.PostType < 0 || d.PostType > MaxPostType:
		return d, ErrInvalid
	}
	return d, nil
}

// Publish decides a new post with an allocated id.
func Publish(id, author int64, d Draft, now time.Time) (ForumPostPublished, error) {
	d, err := d.clean()
	if err != nil {
		return ForumPostPublished{}, err
	}
	return ForumPostPublished{PostID: id, AuthorID: author, Title: d.Title, PostType: d.PostType, Text: d.Text,
		Cover: d.Cover, Reference: d.Reference, PublishedAt: now}, nil
}

// Edit is an author's change of a post: nil fields keep their value.
type Edit struct {
	Title, Text, Cover, Reference *string
	PostType                      *int
}

// EditPost decides an edit by user by; only the author may edit. An edit
// that changes nothing appends nothing.
func EditPost(p Post, by int64, e Edit, now time.Time) (*ForumPostEdited, error) {
	if !p.Exists() {
		return nil, ErrPostNotFound
	}
	if p.AuthorID != by {
		return nil, ErrNotAuthor
	}
	d := Draft{Title: p.Title, PostType: p.PostType, Text: p.Text, Cover: p.Cover, Reference: p.Reference}
	for _, f := range []struct {
		to   *string
		from *string
	}{{&d.Title, e.Title}, {&d.Text, e.Text}, {&d.Cover, e.Cover}, {&d.Reference, e.Reference}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if e.PostType != nil {
		d.PostType = *e.PostType
	}
	d, err := d.clean()
	if err != nil {
		return nil, err
	}
	if d == (Draft{Title: p.Title, PostType: p.PostType, Text: p.Text, Cover: p.Cover, Reference: p.Reference}) {
		return nil, nil
	}
	return &ForumPostEdited{PostID: p.ID, AuthorID: p.AuthorID, Title: d.Title, PostType: d.PostType, Text: d.Text,
		Cover: d.Cover, Reference: d.Reference, EditedAt: now}, nil
}

// DeletePost decides the deletion of a post by user by. Someone else's post
// is "not found" (the document: 找不到文章, 含无权限).
func DeletePost(p Post, by int64, now time.Time) (ForumPostDeleted, error) {
	if !p.Exists() || p.AuthorID != by {
		return ForumPostDeleted{}, ErrPostNotFound
	}
	return ForumPostDeleted{PostID: p.ID, AuthorID: by, DeletedAt: now}, nil
}

// Comment is a comment's state, carried by its stream's last event.
type Comment struct {
	ID        int64
	Subject   Subject
	SubjectID int64
	AuthorID  int64
	exists    bool
	deleted   bool
}

// Exists reports whether the comment was posted and not deleted.
func (c Comment) Exists() bool { return c.exists && !c.deleted }

// CommentFrom returns the state carried by a comment stream's last event.
func CommentFrom(last eventlog.Event) Comment {
	switch e := last.(type) {
	case TravelCommentPosted:
		return Comment{ID: e.CommentID, Subject: e.Subject, SubjectID: e.SubjectID, AuthorID: e.AuthorID, exists: true}
	case TravelCommentDeleted:
		return Comment{ID: e.CommentID, Subject: e.Subject, SubjectID: e.SubjectID, AuthorID: e.AuthorID, exists: true, deleted: true}
	}
	return Comment{}
}

// PostComment decides a comment with an allocated id on a subject that
// exists (the command checks it).
func PostComment(id int64, s Subject, subjectID, author int64, text string, now time.Time) (TravelCommentPosted, error) {
	text = strings.TrimSpace(text)
	if !s.Valid() || text == "" || utf8.RuneCountInString(text) > MaxCommentLength {
		return TravelCommentPosted{}, ErrInvalid
	}
	return TravelCommentPosted{CommentID: id, Subject: s, SubjectID: subjectID, AuthorID: author, Text: text, PostedAt: now}, nil
}

// DeleteComment decides the deletion of a comment by its author; someone
// else's is "not found" (非评论发布者无权限).
func DeleteComment(c Comment, s Subject, by int64, now time.Time) (TravelCommentDeleted, error) {
	if !c.Exists() || c.AuthorID != by || c.Subject != s {
		return TravelCommentDeleted{}, ErrCommentNotFound
	}
	return TravelCommentDeleted{CommentID: c.ID, Subject: c.Subject, SubjectID: c.SubjectID, AuthorID: by, DeletedAt: now}, nil
}

// Like decides a user's like of a subject that exists, given the last event
// of the user's like stream of it (nil: never liked).
func Like(last eventlog.Event, s Subject, subjectID, userID int64, now time.Time) (TravelLiked, error) {
	if last != nil {
		return TravelLiked{}, ErrAlreadyLiked
	}
	return TravelLiked{Subject: s, SubjectID: subjectID, UserID: userID, LikedAt: now}, nil
}

// LikeComment decides a user's like of comment c of subject s, given the
// last event of the user's like stream of it.
func LikeComment(c Comment, s Subject, last eventlog.Event, userID int64, now time.Time) (TravelCommentLiked, error) {
	if !c.Exists() || c.Subject != s {
		return TravelCommentLiked{}, ErrCommentNotFound
	}
	if last != nil {
		return TravelCommentLiked{}, ErrAlreadyLiked
	}
	return TravelCommentLiked{CommentID: c.ID, UserID: userID, LikedAt: now}, nil
}
