package forumhttp

import (
	"time"
	"unicode/utf8"

	forumq "github.com/fiveapis/backend/queries/forum"
	"github.com/fiveapis/backend/transport/httpapi/travel"
)

// SummaryLength is how many characters of a post's text the lists show.
const SummaryLength = 50

// postDTO is a post as 004 answers it; Comments only in the detail.
type postDTO struct {
	PostID     int64         `json:"post_id"`
	UID        int64         `json:"uid"`
	Uname      string        `json:"uname"`
	Gender     int           `json:"gender"`
	Avatar     string        `json:"avatar"`
	Title      string        `json:"title"`
	Type       int           `json:"type"`
	PostType   int           `json:"post_type"`
	Text       string        `json:"text"`
	Cover      string        `json:"cover"`
	Reference  string        `json:"reference"`
	Time       string        `json:"time"`
	LikeNum    int           `json:"like_num"`
	CommentNum int           `json:"comment_num"`
	Comments   *[]CommentDTO `json:"comments,omitempty"`
}

// CommentDTO is a comment as 004 answers it (forum, albums, long images).
type CommentDTO struct {
	CommentID int64  `json:"comment_id"`
	UID       int64  `json:"uid"`
	Uname     string `json:"uname"`
	Gender    int    `json:"gender"`
	Avatar    string `json:"avatar"`
	Text      string `json:"text"`
	Time      string `json:"time"`
	LikeNum   int    `json:"like_num"`
}

// TimeFormat is how 004 writes times.
const TimeFormat = "2006-01-02 15:04:05"

func summary(s string) string {
	if utf8.RuneCountInString(s) <= SummaryLength {
		return s
	}
	return string([]rune(s)[:SummaryLength])
}

func (h *Handlers) postOf(p forumq.Post, full bool) postDTO {
	text := p.Text
	if !full {
		text = summary(text)
	}
	return postDTO{PostID: p.ID, UID: p.Author.UserID, Uname: p.Author.Username, Gender: p.Author.Gender,
		Avatar: travel.AvatarURL(p.Author.AvatarKey), Title: p.Title, Type: p.PostType, PostType: p.PostType,
		Text: text, Cover: p.Cover, Reference: p.Reference, Time: p.CreatedAt.In(h.d.Zone).Format(TimeFormat),
		LikeNum: p.LikeNum, CommentNum: p.CommentNum}
}

// Comments renders comments in zone.
func Comments(cs []forumq.Comment, zone *time.Location) []CommentDTO {
	out := make([]CommentDTO, 0, len(cs))
	for _, c := range cs {
		out = append(out, CommentDTO{CommentID: c.ID, UID: c.Author.UserID, Uname: c.Author.Username, Gender: c.Author.Gender,
			Avatar: travel.AvatarURL(c.Author.AvatarKey), Text: c.Text, Time: c.CreatedAt.In(zone).Format(TimeFormat), LikeNum: c.LikeNum})
	}
	return out
}
