package guideshttp

import (
	"strconv"
	"time"

	guidesq "github.com/fiveapis/backend/queries/guides"
)

type categoryJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Guides int    `json:"guides"`
}

func toCategoryJSON(x guidesq.Category) categoryJSON { return categoryJSON(x) }

type guideJSON struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	Category     int64  `json:"category"`
	CategoryName string `json:"category_name"`
	FileName     string `json:"file_name"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	URL          string `json:"url"`
	EmailURL     string `json:"email_url"`
	Created      string `json:"created"`
	Updated      string `json:"updated"`
}

func (h *Handlers) toJSON(g guidesq.Guide) guideJSON {
	id := strconv.FormatInt(g.ID, 10)
	return guideJSON{ID: g.ID, Title: g.Title, Category: g.CategoryID, CategoryName: g.CategoryName, FileName: g.FileName,
		ContentType: g.ContentType, Size: g.Size, SHA256: g.SHA256, URL: "/guides/" + id, EmailURL: "/guides/" + id + "/email",
		Created: g.CreatedAt.In(h.d.Zone).Format(time.RFC3339), Updated: g.UpdatedAt.In(h.d.Zone).Format(time.RFC3339)}
}

// emailQueued answers a request to mail a guide.
type emailQueued struct {
	Detail string `json:"detail"`
	Email  string `json:"email"`
}
