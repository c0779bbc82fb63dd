package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/labstack/echo/v4"

	albumscmd "github.com/fiveapis/backend/commands/albums"
	forumcmd "github.com/fiveapis/backend/commands/forum"
	"github.com/fiveapis/backend/domain/albums"
	albumsproj "github.com/fiveapis/backend/projections/albums"
	albumsq "github.com/fiveapis/backend/queries/albums"
	forumq "github.com/fiveapis/backend/queries/forum"
	"github.com/fiveapis/backend/transport/files"
	"github.com/fiveapis/backend/transport/httpapi"
	albumshttp "github.com/fiveapis/backend/transport/httpapi/travel/albums"
	"github.com/fiveapis/backend/transport/media"
	"github.com/fiveapis/backend/transport/models/poem"
)

// wireAlbums builds 004's album ("movie") and long-image ("photo") jobs:
// the projector, the routes (/movie/…, /photo/…, /media/movies/…,
// /media/photos/…), the files (DATA_DIR/albums/<job id>), the worker
// reactions (album_worker_<n>_<i>) with the pipeline's real parts (EXIF and
// colours, the poem model, the renderer over ffmpeg) and the expiry job.
func wireAlbums(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "albums", Events: albums.Events(), Projectors: albumsproj.All()}
	dirs, err := files.NewDirs(filepath.Join(p.Config.DataDir, "albums"))
	if err != nil {
		return m, fmt.Errorf("albums: %w", err)
	}
	store := jobFiles{dirs}
	cfg := p.Config.Travel
	cmds := albumscmd.New(p.Runner, p.Clock, store, albumscmd.Config{
		Stale: cfg.AlbumStale, TTL: cfg.AlbumTTL, ExpireEvery: cfg.AlbumExpireEvery, Workers: cfg.AlbumWorkers,
	})
	m.Reactions = cmds.Workers(albumscmd.Pipeline{
		Analyser: media.Analyser{},
		Poet:     poet{p.Poems},
		Renderer: media.NewRenderer(media.Config{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe, Font: cfg.Font,
			Width: cfg.AlbumWidth, Slide: cfg.AlbumSlide}),
	})
	queries := albumsq.New(p.Pool)
	m.Jobs = cmds.Jobs(queries)
	m.Routes = []httpapi.Routes{albumshttp.New(albumshttp.Deps{
		Commands: cmds,
		Social:   forumcmd.New(p.Runner, p.Clock, cmds),
		Queries:  queries,
		Comments: forumq.New(p.Pool),
		Files:    store,
		Clock:    p.Clock,
	})}
	return m, nil
}

// jobFiles keeps each job's files in its own folder (albumscmd.Files,
// albumshttp.Files).
type jobFiles struct{ dirs *files.Dirs }

func dirOf(job int64) string { return strconv.FormatInt(job, 10) }

func (f jobFiles) Put(job int64, data []byte, ext string) (string, error) {
	d, err := f.dirs.Dir(dirOf(job), true)
	if err != nil {
		return "", err
	}
	return d.Put(data, ext)
}

func (f jobFiles) Read(job int64, key string) ([]byte, error) {
	d, err := f.dirs.Dir(dirOf(job), false)
	if err != nil {
		return nil, err
	}
	return d.Read(key)
}

func (f jobFiles) DeleteJob(job int64) error { return f.dirs.Remove(dirOf(job)) }

func (f jobFiles) Serve(c echo.Context, job int64, key string) error {
	d, err := f.dirs.Dir(dirOf(job), false)
	if errors.Is(err, fs.ErrNotExist) {
		return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
	if err != nil {
		return err
	}
	return d.Serve(c)
}

// poet writes a job's poem with the model of transport/models/poem
// (Platform.Poems: loaded on the first poem).
type poet struct{ model func() (*poem.Model, error) }

func (p poet) Write(keywords []string, length int, seed uint64) ([]string, error) {
	m, err := p.model()
	if err != nil {
		return nil, fmt.Errorf("poem model: %w", err)
	}
	var words []string
	for _, k := range keywords {
		words = append(words, poem.Keywords(k)...)
	}
	out, err := m.Generate(poem.Request{Keywords: words, Length: length, Lines: 4, Seed: seed})
	if err != nil {
		return nil, err
	}
	return out.Lines, nil
}
