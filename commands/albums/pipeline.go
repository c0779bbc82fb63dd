package albums

import (
	"context"
	"errors"
	"fmt"

	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
)

// Analyser reads what an image holds: EXIF time and GPS, dominant colours
// (transport/media).
type Analyser interface {
	Analyse(ctx context.Context, data []byte) (albums.Shot, error)
}

// Poet writes the poem of a job from its keywords: lines of length 5 or 7
// (transport/models/poem through the wiring). seed fixes the draw.
type Poet interface {
	Write(keywords []string, length int, seed uint64) ([]string, error)
}

// Rendered and Slide are the renderer's output and input (domain/albums).
type (
	Rendered = albums.Rendered
	Slide    = albums.Slide
)

// Renderer makes the results (transport/media): the long image, a tall
// picture of the slides scaled to one width and captioned; the album, an MP4
// slideshow at fps with the captions.
type Renderer interface {
	LongImage(ctx context.Context, title string, template string, slides []Slide) (Rendered, error)
	Movie(ctx context.Context, title string, template string, fps int, slides []Slide) (Rendered, error)
}

// Pipeline is the worker's steps and what they use.
type Pipeline struct {
	Analyser Analyser
	Poet     Poet
	Renderer Renderer
}

// jobError is a failure of the job itself (an image that cannot be read, a
// render that fails): the job fails (−1), the event is done.
type jobError struct{ err error }

func (e jobError) Error() string { return e.err.Error() }
func (e jobError) Unwrap() error { return e.err }

// Run works job id's attempt from the step it is at to its end: each step
// appends its results (AlbumJobProgressed) before the next begins, so a
// worker that dies resumes at the step it was in. A job that was deleted,
// expired or started again meanwhile is left.
func (h *Handlers) Run(ctx context.Context, p Pipeline, id int64, attempt int, meta eventlog.Metadata) error {
	for {
		j, err := h.Load(ctx, id)
		if err != nil {
			return err
		}
		if !j.Exists() || j.Attempt != attempt || !albums.Working(j.Status) {
			return nil
		}
		err = h.step(ctx, p, j, meta)
		var je jobError
		switch {
		case errors.Is(err, albums.ErrStaleProgress):
			return nil
		case errors.As(err, &je):
			now := h.clock.Now().UTC()
			meta.OccurredAt = now
			_, ferr := h.decide(ctx, id, meta, func(j albums.Job) (eventlog.Event, error) {
				return albums.Fail(j, attempt, je.Error(), now)
			})
			if errors.Is(ferr, albums.ErrStaleProgress) {
				return nil
			}
			return ferr
		case err != nil:
			return err
		}
	}
}

// progress appends the move to status next with results.
func (h *Handlers) progress(ctx context.Context, j albums.Job, p albums.AlbumJobProgressed, meta eventlog.Metadata) error {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	_, err := h.decide(ctx, j.ID, meta, func(cur albums.Job) (eventlog.Event, error) {
		return albums.Progress(cur, j.Attempt, p, now)
	})
	return err
}

// step does the work of the job's current status.
func (h *Handlers) step(ctx context.Context, p Pipeline, j albums.Job, meta eventlog.Metadata) error {
	switch j.Status {
	case albums.StatusQueued:
		return h.progress(ctx, j, albums.AlbumJobProgressed{Status: albums.StatusParams}, meta)
	case albums.StatusParams:
		if len(j.Ordered()) == 0 || j.Info == nil {
			return jobError{errors.New("缺少图片或 info.json")}
		}
		return h.progress(ctx, j, albums.AlbumJobProgressed{Status: albums.StatusAnalysing}, meta)
	case albums.StatusAnalysing:
		shots, err := h.analyse(ctx, p, j)
		if err != nil {
			return err
		}
		return h.progress(ctx, j, albums.AlbumJobProgressed{Status: albums.StatusPoem, Shots: shots}, meta)
	case albums.StatusPoem:
		lines, err := p.Poet.Write(Keywords(j), PoemLength(j), uint64(j.ID)*1000+uint64(j.Attempt))
		if err != nil {
			return jobError{fmt.Errorf("生成诗词失败: %w", err)}
		}
		return h.progress(ctx, j, albums.AlbumJobProgressed{Status: albums.StatusTemplate, Poem: lines}, meta)
	case albums.StatusTemplate:
		return h.progress(ctx, j, albums.AlbumJobProgressed{Status: albums.StatusRendering, Template: ChooseTemplate(j)}, meta)
	case albums.StatusRendering:
		return h.render(ctx, p, j, meta)
	}
	return nil
}

func (h *Handlers) analyse(ctx context.Context, p Pipeline, j albums.Job) ([]albums.Shot, error) {
	var shots []albums.Shot
	for i, f := range j.Ordered() {
		data, err := h.files.Read(ctx, j.ID, f.Key)
		if err != nil {
			return nil, fmt.Errorf("read image %s of album job %d: %w", f.Key, j.ID, err)
		}
		s, err := p.Analyser.Analyse(ctx, data)
		if err != nil {
			return nil, jobError{fmt.Errorf("无法分析图片 %s: %w", f.Name, err)}
		}
		s.Key, s.Width, s.Height = f.Key, f.Width, f.Height
		if j.Info != nil && i < len(j.Info.Factors) {
			s.Labels = j.Info.Factors[i].Types
		}
		shots = append(shots, s)
	}
	return shots, nil
}

func (h *Handlers) render(ctx context.Context, p Pipeline, j albums.Job, meta eventlog.Metadata) error {
	var slides []Slide
	for i, s := range j.Shots {
		data, err := h.files.Read(ctx, j.ID, s.Key)
		if err != nil {
			return fmt.Errorf("read image %s of album job %d: %w", s.Key, j.ID, err)
		}
		caption := ""
		if len(j.Poem) > 0 {
			caption = j.Poem[i%len(j.Poem)]
		}
		slides = append(slides, Slide{Image: data, Caption: caption})
	}
	title := ""
	if j.Info != nil {
		title = j.Info.Title
	}
	var out Rendered
	var err error
	if j.Kind == albums.Photo {
		out, err = p.Renderer.LongImage(ctx, title, j.Template, slides)
	} else {
		fps := albums.DefaultFPS
		if j.Info != nil && j.Info.FPS > 0 {
			fps = j.Info.FPS
		}
		out, err = p.Renderer.Movie(ctx, title, j.Template, fps, slides)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return jobError{fmt.Errorf("渲染失败: %w", err)}
	}
	result, err := h.keep(ctx, j.ID, out.Data, out.Ext, out.ContentType, out.Width, out.Height)
	if err != nil {
		return err
	}
	cover, err := h.keep(ctx, j.ID, out.Cover, out.CoverExt, "image/jpeg", out.CoverWidth, out.CoverHeight)
	if err != nil {
		return err
	}
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	_, err = h.decide(ctx, j.ID, meta, func(cur albums.Job) (eventlog.Event, error) {
		return albums.Finish(cur, j.Attempt, result, cover, out.Duration, now)
	})
	return err
}

func (h *Handlers) keep(ctx context.Context, job int64, data []byte, ext, ctype string, w, hgt int) (albums.File, error) {
	key, err := h.files.Put(ctx, job, data, ext)
	if err != nil {
		return albums.File{}, fmt.Errorf("store result of album job %d: %w", job, err)
	}
	return albums.File{Key: key, Name: "result" + ext, ContentType: ctype, Size: int64(len(data)), Width: w, Height: hgt}, nil
}
