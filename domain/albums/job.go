package albums

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Statuses of a job (the client's codes).
const (
	StatusWaiting   = 0
	StatusQueued    = 100
	StatusParams    = 101
	StatusAnalysing = 102
	StatusPoem      = 103
	StatusTemplate  = 104
	StatusRendering = 105
	StatusDone      = 200
	StatusFailed    = -1
	StatusExpired   = -2
)

// Limits.
const (
	MaxImages      = 30
	MaxFileBytes   = 10 << 20
	MaxInfoBytes   = 64 << 10
	MaxTitle       = 100
	MaxDescription = 1000
	MaxName        = 255
	MaxLabels      = 10
	MaxLabel       = 64
	MaxTag         = 1000
	DefaultFPS     = 25
	MaxFPS         = 60
	MaxReason      = 500
)

// StatusMessage is a status in the client's words.
func StatusMessage(k Kind, status int) string {
	switch status {
	case StatusWaiting:
		return "等待用户提供信息"
	case StatusQueued:
		return "排队等待中"
	case StatusParams:
		return "正在分析命令参数"
	case StatusAnalysing:
		return "正在分析图片"
	case StatusPoem:
		return "正在生成诗词"
	case StatusTemplate:
		return "正在匹配模板"
	case StatusRendering:
		if k == Photo {
			return "正在生成长图"
		}
		return "正在生成影集"
	case StatusDone:
		return "处理完成"
	case StatusFailed:
		return "生成失败"
	case StatusExpired:
		return "已过期"
	}
	return "找不到任务，请重新启动"
}

// Working reports whether status is queued or one of the worker's steps.
func Working(status int) bool { return status >= StatusQueued && status <= StatusRendering }

// Refusals, in 004's words (the edge answers a "TRAVEL_" fault with code 403
// and its message).
var (
	ErrNotFound      = fault.New(fault.NotFound, "TRAVEL_JOB_NOT_FOUND", "找不到作业集")
	ErrNoFile        = fault.New(fault.Invalid, "TRAVEL_NO_FILE", "未获取到file")
	ErrNotImage      = fault.New(fault.Invalid, "TRAVEL_NOT_IMAGE", "文件不是可以读取的图片(JPEG、PNG、GIF 或 WebP)")
	ErrTooLarge      = fault.New(fault.Invalid, "TRAVEL_FILE_TOO_LARGE", fmt.Sprintf("文件过大,最多 %d MiB", MaxFileBytes>>20))
	ErrTooMany       = fault.New(fault.Invalid, "TRAVEL_TOO_MANY_IMAGES", fmt.Sprintf("图片过多,最多 %d 张", MaxImages))
	ErrBadInfo       = fault.New(fault.Invalid, "TRAVEL_BAD_INFO", "info.json 无效")
	ErrBusy          = fault.New(fault.Conflict, "TRAVEL_JOB_BUSY", "任务正在处理中,不能修改")
	ErrDone          = fault.New(fault.Conflict, "TRAVEL_JOB_DONE", "任务已完成")
	ErrNoImages      = fault.New(fault.Invalid, "TRAVEL_JOB_NO_IMAGES", "缺少图片,请先上传图片")
	ErrNoInfo        = fault.New(fault.Invalid, "TRAVEL_JOB_NO_INFO", "缺少 info.json,请先上传")
	ErrMovieExpired  = fault.New(fault.Conflict, "TRAVEL_JOB_EXPIRED", "影集已过期，请重新新建")
	ErrPhotoExpired  = fault.New(fault.Conflict, "TRAVEL_JOB_EXPIRED", "任务已过期，请重新新建")
	ErrStaleProgress = fault.New(fault.Conflict, "TRAVEL_JOB_STALE", "任务状态已变化")
)

// ErrQueued answers a start of a job that is queued or being worked on.
func ErrQueued(k Kind, status int) error {
	return &fault.Error{Kind: fault.Conflict, Code: "TRAVEL_JOB_QUEUED", Message: `已在 "` + StatusMessage(k, status) + `" 队列中`}
}

// Job is a job's state, the fold of its stream.
type Job struct {
	ID        int64
	Kind      Kind
	OwnerID   int64
	Status    int
	Attempt   int
	Images    []File
	Info      *Info
	Shots     []Shot
	Poem      []string
	Template  string
	Result    *File
	Cover     *File
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
	deleted   bool
}

// Exists reports whether the job was created and not deleted.
func (j Job) Exists() bool { return j.ID > 0 && !j.deleted }

// Fold returns the state of a job's history.
func Fold(history []eventlog.Envelope) Job {
	var j Job
	for _, env := range history {
		j = j.Apply(env.Event)
	}
	return j
}

// Apply returns the state after e.
func (j Job) Apply(e eventlog.Event) Job {
	switch e := e.(type) {
	case AlbumJobCreated:
		j = Job{ID: e.JobID, Kind: e.Kind, OwnerID: e.OwnerID, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt}
	case AlbumImageUploaded:
		j.Images = append(slices.Clone(j.Images), e.Image)
		j.UpdatedAt = e.UploadedAt
	case AlbumInfoUploaded:
		info := e.Info
		j.Info, j.UpdatedAt = &info, e.UploadedAt
	case AlbumJobQueued:
		j.Status, j.Attempt, j.UpdatedAt = StatusQueued, e.Attempt, e.QueuedAt
		j.Shots, j.Poem, j.Template, j.Reason = nil, nil, "", ""
	case AlbumJobProgressed:
		j.Status, j.UpdatedAt = e.Status, e.At
		if e.Shots != nil {
			j.Shots = e.Shots
		}
		if e.Poem != nil {
			j.Poem = e.Poem
		}
		if e.Template != "" {
			j.Template = e.Template
		}
	case AlbumJobFinished:
		r, c := e.Result, e.Cover
		j.Status, j.Result, j.Cover, j.UpdatedAt = StatusDone, &r, &c, e.FinishedAt
	case AlbumJobFailed:
		j.Status, j.Reason, j.UpdatedAt = StatusFailed, e.Reason, e.FailedAt
	case AlbumJobExpired:
		j.Status, j.UpdatedAt = StatusExpired, e.ExpiredAt
	case AlbumJobDeleted:
		j.deleted, j.UpdatedAt = true, e.DeletedAt
	}
	return j
}

// Visible reports whether user may see and change the job: it exists, is
// of kind k and is theirs.
func (j Job) Visible(k Kind, user int64) bool { return j.Exists() && j.Kind == k && j.OwnerID == user }

// Create decides a new job.
func Create(id int64, k Kind, owner int64, now time.Time) (AlbumJobCreated, error) {
	if !k.Valid() {
		return AlbumJobCreated{}, ErrNotFound
	}
	return AlbumJobCreated{JobID: id, Kind: k, OwnerID: owner, CreatedAt: now}, nil
}

func (j Job) checkChangeable(k Kind, user int64) error {
	switch {
	case !j.Visible(k, user):
		return ErrNotFound
	case j.Status == StatusExpired:
		return j.expired()
	case Working(j.Status):
		return ErrBusy
	}
	return nil
}

func (j Job) expired() error {
	if j.Kind == Photo {
		return ErrPhotoExpired
	}
	return ErrMovieExpired
}

// cleanText bounds a client's text: trimmed, at most max characters, no
// control characters other than newlines and tabs.
func cleanText(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return s, false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return s, false
		}
	}
	return s, true
}

// UploadImage decides an uploaded image (already decoded by the edge).
func UploadImage(j Job, k Kind, user int64, f File, now time.Time) (AlbumImageUploaded, error) {
	if err := j.checkChangeable(k, user); err != nil {
		return AlbumImageUploaded{}, err
	}
	if len(j.Images) >= MaxImages {
		return AlbumImageUploaded{}, ErrTooMany
	}
	name, ok := cleanText(f.Name, MaxName)
	if !ok || f.Key == "" || f.Width <= 0 || f.Height <= 0 {
		return AlbumImageUploaded{}, ErrNotImage
	}
	f.Name = name
	return AlbumImageUploaded{JobID: j.ID, Image: f, UploadedAt: now}, nil
}

// CheckInfo validates and cleans the client's info.json.
func CheckInfo(in Info) (Info, error) {
	var ok bool
	if in.Title, ok = cleanText(in.Title, MaxTitle); !ok {
		return in, ErrBadInfo
	}
	if in.Description, ok = cleanText(in.Description, MaxDescription); !ok {
		return in, ErrBadInfo
	}
	if in.Music, ok = cleanText(in.Music, MaxName); !ok {
		return in, ErrBadInfo
	}
	if in.Tag < 0 || in.Tag > MaxTag || in.FPS < 0 || in.FPS > MaxFPS || len(in.Images) > MaxImages || len(in.Factors) > MaxImages {
		return in, ErrBadInfo
	}
	if in.FPS == 0 {
		in.FPS = DefaultFPS
	}
	for _, p := range []struct {
		v     *float64
		limit float64
	}{{in.Latitude, 90}, {in.Longitude, 180}} {
		if p.v != nil && (math.IsNaN(*p.v) || math.Abs(*p.v) > p.limit) {
			return in, ErrBadInfo
		}
	}
	for i, n := range in.Images {
		if in.Images[i], ok = cleanText(n, MaxName); !ok {
			return in, ErrBadInfo
		}
	}
	for i, f := range in.Factors {
		if len(f.Types) > MaxLabels || len(f.Values) > MaxLabels {
			return in, ErrBadInfo
		}
		for k, t := range f.Types {
			if in.Factors[i].Types[k], ok = cleanText(t, MaxLabel); !ok {
				return in, ErrBadInfo
			}
		}
		for _, v := range f.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return in, ErrBadInfo
			}
		}
	}
	return in, nil
}

// UploadInfo decides the client's info.json.
func UploadInfo(j Job, k Kind, user int64, in Info, now time.Time) (AlbumInfoUploaded, error) {
	if err := j.checkChangeable(k, user); err != nil {
		return AlbumInfoUploaded{}, err
	}
	in, err := CheckInfo(in)
	if err != nil {
		return AlbumInfoUploaded{}, err
	}
	return AlbumInfoUploaded{JobID: j.ID, Info: in, UploadedAt: now}, nil
}

// Start decides a start as the document says: a new job with its inputs is
// queued ("已加入队列"), a failed one queued again ("原执行失败，已重新加入
// 队列"), one queued or worked on for longer than stale without progress
// (its worker died) queued again ("已重新加入队列"); one queued or working
// is refused (已在 "…" 队列中), as are a finished one (任务已完成), an
// expired one and one that lacks images or info.json.
func Start(j Job, k Kind, user int64, now time.Time, stale time.Duration) (AlbumJobQueued, error) {
	q := AlbumJobQueued{JobID: j.ID, Kind: j.Kind, Attempt: j.Attempt + 1, QueuedAt: now}
	switch {
	case !j.Visible(k, user):
		return q, ErrNotFound
	case j.Status == StatusExpired:
		return q, j.expired()
	case j.Status == StatusDone:
		return q, ErrDone
	case Working(j.Status) && now.Sub(j.UpdatedAt) < stale:
		return q, ErrQueued(j.Kind, j.Status)
	case Working(j.Status):
		q.Message = "已重新加入队列"
	case j.Status == StatusFailed:
		q.Message = "原执行失败，已重新加入队列"
	default:
		q.Message = "已加入队列"
	}
	switch {
	case len(j.Images) == 0:
		return q, ErrNoImages
	case j.Info == nil:
		return q, ErrNoInfo
	}
	return q, nil
}

// Progress decides the worker's move to status next (101–105) in attempt,
// with the finished step's results in p.
func Progress(j Job, attempt int, p AlbumJobProgressed, now time.Time) (AlbumJobProgressed, error) {
	if !j.Exists() || j.Attempt != attempt || !Working(j.Status) || p.Status <= j.Status || p.Status > StatusRendering {
		return p, ErrStaleProgress
	}
	p.JobID, p.Attempt, p.At = j.ID, attempt, now
	return p, nil
}

// Finish decides the result of attempt.
func Finish(j Job, attempt int, result, cover File, duration time.Duration, now time.Time) (AlbumJobFinished, error) {
	if !j.Exists() || j.Attempt != attempt || !Working(j.Status) {
		return AlbumJobFinished{}, ErrStaleProgress
	}
	return AlbumJobFinished{JobID: j.ID, Attempt: attempt, Result: result, Cover: cover, DurationMS: duration.Milliseconds(), FinishedAt: now}, nil
}

// Fail decides the failure of attempt.
func Fail(j Job, attempt int, reason string, now time.Time) (AlbumJobFailed, error) {
	if !j.Exists() || j.Attempt != attempt || !Working(j.Status) {
		return AlbumJobFailed{}, ErrStaleProgress
	}
	if r := []rune(reason); len(r) > MaxReason {
		reason = string(r[:MaxReason])
	}
	reason = strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, reason), "?")
	return AlbumJobFailed{JobID: j.ID, Attempt: attempt, Reason: reason, FailedAt: now}, nil
}

// Expire decides the expiry of a job not changed for ttl; a job being
// worked on, already expired or deleted is left (nil).
func Expire(j Job, now time.Time, ttl time.Duration) *AlbumJobExpired {
	if !j.Exists() || j.Status == StatusExpired || now.Sub(j.UpdatedAt) < ttl {
		return nil
	}
	if Working(j.Status) && now.Sub(j.UpdatedAt) < 2*ttl {
		return nil
	}
	return &AlbumJobExpired{JobID: j.ID, ExpiredAt: now}
}

// Delete decides the owner's deletion of a job.
func Delete(j Job, k Kind, user int64, now time.Time) (AlbumJobDeleted, error) {
	if !j.Visible(k, user) {
		return AlbumJobDeleted{}, ErrNotFound
	}
	return AlbumJobDeleted{JobID: j.ID, DeletedAt: now}, nil
}

// Ordered returns the job's images in info.json's order ("images", by the
// names the client uploaded them with), then the others in upload order; an
// image uploaded twice under one name counts once (the last upload).
func (j Job) Ordered() []File {
	last := map[string]int{}
	for i, f := range j.Images {
		last[f.Name] = i
	}
	used := map[int]bool{}
	var out []File
	if j.Info != nil {
		for _, n := range j.Info.Images {
			if i, ok := last[n]; ok && !used[i] {
				used[i] = true
				out = append(out, j.Images[i])
			}
		}
	}
	for i, f := range j.Images {
		if !used[i] && last[f.Name] == i {
			used[i] = true
			out = append(out, f)
		}
	}
	return out
}
