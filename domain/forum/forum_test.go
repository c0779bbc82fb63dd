package forum_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/forum"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func TestPosts(t *testing.T) {
	pub, err := forum.Publish(1, 7, forum.Draft{Title: " 标题 ", PostType: 2, Text: "正文"}, now)
	if err != nil || pub.Title != "标题" {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	p := forum.PostFrom(pub)
	for _, c := range []struct {
		name string
		err  error
		do   func() error
	}{
		{"blank title", forum.ErrInvalid, func() error {
			_, err := forum.Publish(2, 7, forum.Draft{Title: " ", Text: "x"}, now)
			return err
		}},
		{"others may not edit", forum.ErrNotAuthor, func() error {
			s := "x"
			_, err := forum.EditPost(p, 8, forum.Edit{Title: &s}, now)
			return err
		}},
		{"others may not delete", forum.ErrPostNotFound, func() error {
			_, err := forum.DeletePost(p, 8, now)
			return err
		}},
		{"a second like", forum.ErrAlreadyLiked, func() error {
			_, err := forum.Like(forum.TravelLiked{}, forum.SubjectPost, 1, 8, now)
			return err
		}},
		{"deleting someone else's comment", forum.ErrCommentNotFound, func() error {
			c, _ := forum.PostComment(3, forum.SubjectPost, 1, 7, "好", now)
			_, err := forum.DeleteComment(forum.CommentFrom(c), forum.SubjectPost, 8, now)
			return err
		}},
		{"a comment of another subject", forum.ErrCommentNotFound, func() error {
			c, _ := forum.PostComment(3, forum.SubjectMovie, 1, 7, "好", now)
			_, err := forum.LikeComment(forum.CommentFrom(c), forum.SubjectPost, nil, 8, now)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); !errors.Is(err, c.err) {
				t.Errorf("got %v, want %v", err, c.err)
			}
		})
	}
	same := p.Title
	if e, err := forum.EditPost(p, 7, forum.Edit{Title: &same}, now); e != nil || err != nil {
		t.Errorf("an edit that changes nothing: %+v %v", e, err)
	}
	del, _ := forum.DeletePost(p, 7, now)
	if forum.PostFrom(del).Exists() {
		t.Error("deleted post exists")
	}
}
