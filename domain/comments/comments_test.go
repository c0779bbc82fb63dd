package comments

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
)

var now = time.Date(2026, 11, 7, 10, 0, 0, 0, time.UTC)

func TestPostComment(t *testing.T) {
	parent := Comment{ID: 5, UserID: 1, Page: "abc123def456", RootID: 5}
	for _, tc := range []struct {
		name   string
		post   Post
		parent Comment
		ok     bool
	}{
		{"top level", Post{UserID: 2, Page: "abc123def456", Content: "好"}, Comment{}, true},
		{"reply", Post{UserID: 2, Page: "abc123def456", ParentID: 5, Content: "好"}, parent, true},
		{"reply on another page", Post{UserID: 2, Page: "other", ParentID: 5, Content: "好"}, parent, false},
		{"reply to a deleted comment", Post{UserID: 2, Page: "abc123def456", ParentID: 5, Content: "好"}, Comment{ID: 5, Deleted: true}, false},
		{"page over 16 characters", Post{UserID: 2, Page: "abcdefghijklmnopq", Content: "好"}, Comment{}, false},
		{"blank content", Post{UserID: 2, Page: "p", Content: " "}, Comment{}, false},
		{"not a URL", Post{UserID: 2, Page: "p", Content: "x", Image: "javascript:alert(1)"}, Comment{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := PostComment(9, tc.post, tc.parent, now)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if tc.ok && tc.post.ParentID != 0 && e.RootID != 5 {
				t.Errorf("root = %d", e.RootID)
			}
		})
	}
}

func TestDeleteAndLike(t *testing.T) {
	c := Comment{ID: 5, UserID: 1, Page: "p", RootID: 5}
	if _, err := Delete(c, access.Actor{UserID: 2}, now); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("other deletes: %v", err)
	}
	if _, err := Delete(c, access.Actor{UserID: 3, Admin: true}, now); err != nil {
		t.Errorf("admin deletes: %v", err)
	}
	e, liked := ToggleLike(nil, 5, 2, now)
	if !liked {
		t.Fatal("first like not a like")
	}
	if _, liked := ToggleLike(&eventlog.Envelope{Event: e}, 5, 2, now); liked {
		t.Error("second like not taken back")
	}
}
