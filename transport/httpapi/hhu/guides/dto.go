package guideshttp

import (
	"strconv"
	"time"

	guidesq "github.com/fiveapis/backend/queries/guides"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

type categoryJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Guides int    `json:"guides"`
}

func toCategoryJSON(x guidesq.Category) categoryJSON { return categoryJSON(x) }

// guideJSON is a guide to 001's clients: its title also as the original's
// name.
type guideJSON struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	Name         string `json:"name"`
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
	return guideJSON{ID: g.ID, Title: g.Title, Name: g.Title, Category: g.CategoryID, CategoryName: g.CategoryName, FileName: g.FileName,
		ContentType: g.ContentType, Size: g.Size, SHA256: g.SHA256, URL: "/guides/" + id, EmailURL: "/guides/" + id + "/email",
		Created: g.CreatedAt.In(h.d.Zone).Format(time.RFC3339), Updated: g.UpdatedAt.In(h.d.Zone).Format(time.RFC3339)}
}

// emailQueued answers a request to mail a guide.
type emailQueued struct {
	Detail string `json:"detail"`
	Email  string `json:"email"`
}

// miniProgramGuideJSON is a guide as the mini-program reads it (the
// original's GuideSerializer: name, created, category as an object), with
// 001's fields that do not clash.
type miniProgramGuideJSON struct {
	ID          int64              `json:"id"`
	Name        string             `json:"name"`
	Created     string             `json:"created"`
	Category    hhu.DepartmentJSON `json:"category"`
	Title       string             `json:"title"`
	CategoryID  int64              `json:"category_id"`
	FileName    string             `json:"file_name"`
	ContentType string             `json:"content_type"`
	Size        int64              `json:"size"`
	URL         string             `json:"url"`
	EmailURL    string             `json:"email_url"`
	Updated     string             `json:"updated"`
}

func (h *Handlers) toMiniProgramJSON(g guidesq.Guide) miniProgramGuideJSON {
	x := h.toJSON(g)
	return miniProgramGuideJSON{ID: x.ID, Name: x.Title, Created: x.Created, Category: hhu.DepartmentJSON{ID: g.CategoryID, Name: g.CategoryName},
		Title: x.Title, CategoryID: x.Category, FileName: x.FileName, ContentType: x.ContentType, Size: x.Size, URL: x.URL, EmailURL: x.EmailURL,
		Updated: x.Updated}
}
