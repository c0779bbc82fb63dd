package albumshttp

import (
	"strconv"

	"github.com/fiveapis/backend/domain/albums"
	albumsq "github.com/fiveapis/backend/queries/albums"
	"github.com/fiveapis/backend/transport/httpapi/travel"
	forumhttp "github.com/fiveapis/backend/transport/httpapi/travel/forum"
)

// FileURL is where a job's file is served.
func FileURL(k albums.Kind, job int64, key string) string {
	if key == "" {
		return ""
	}
	return "/media/" + string(k) + "s/" + strconv.FormatInt(job, 10) + "/" + key
}

// jobDTO answers a job in both the client's and the seed's words: the
// movie_/photo_ fields, status_msg and result_msg (the client), and
// description and info (the seed's status section).
func (kh kindHandlers) jobDTO(j albumsq.Job) map[string]any {
	k := kh.k
	result := FileURL(k, j.ID, j.ResultKey)
	resultMsg := result
	if j.Status == albums.StatusFailed {
		resultMsg = j.Reason
	}
	var info any
	if result != "" {
		info = result
	}
	urls := make([]string, 0, len(j.Images))
	for _, key := range j.Images {
		urls = append(urls, FileURL(k, j.ID, key))
	}
	cover := FileURL(k, j.ID, j.CoverKey)
	p := string(k) + "_"
	return map[string]any{
		"work_id":         j.ID,
		"uid":             j.OwnerID,
		"uname":           j.Username,
		"avatar":          travel.AvatarURL(j.AvatarKey),
		p + "title":       j.Title,
		p + "description": j.Description,
		p + "cover":       cover,
		p + "width":       j.Width,
		p + "height":      j.Height,
		"cover_width":     j.CoverWidth,
		"cover_height":    j.CoverHeight,
		"duration":        float64(j.DurationMS) / 1000,
		"fps":             j.FPS,
		"share":           j.Share,
		"create_time":     j.CreatedAt.In(kh.h.d.Zone).Format(forumhttp.TimeFormat),
		"update_time":     j.UpdatedAt.In(kh.h.d.Zone).Format(forumhttp.TimeFormat),
		"status":          j.Status,
		"status_msg":      albums.StatusMessage(k, j.Status),
		"result_msg":      resultMsg,
		"description":     albums.StatusMessage(k, j.Status),
		"info":            info,
		"tag":             j.Tag,
		"like_num":        j.LikeNum,
		"comment_num":     j.CommentNum,
		"image_num":       len(j.Images),
		"image_urls":      urls,
	}
}
