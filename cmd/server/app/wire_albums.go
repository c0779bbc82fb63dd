package app

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

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
// /media/photos/…), the files (files.Jobs over the configured storage: DATA_DIR/albums/<job id>/ or the S3 bucket), the worker
// reactions (album_worker_<n>_<i>) with the pipeline's real parts (EXIF and
// colours, the poem model, the renderer over ffmpeg) and the expiry job.
func wireAlbums(_ context.Context, p *Platform) (Module, error) {
	m := Module{Name: "albums", Events: albums.Events(), Projectors: albumsproj.All()}
	cfg := p.Config.Travel
	tree, err := travelObjects(p, &m)
	if err != nil {
		return m, err
	}
	store := files.NewJobs(tree, cmp.Or(cfg.MaxFileBytes, 256<<20))
	cmds := albumscmd.New(p.Runner, p.Clock, store, albumscmd.Config{
		Stale: cfg.AlbumStale, TTL: cfg.AlbumTTL, ExpireEvery: cfg.AlbumExpireEvery, Workers: cfg.AlbumWorkers,
	})
	m.Reactions = cmds.Workers(albumscmd.Pipeline{
		Analyser: media.Analyser{CPU: p.Background},
		Poet:     poet{p.Poems},
		Renderer: media.NewRenderer(media.Config{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe, Font: cfg.Font,
			Width: cfg.AlbumWidth, Slide: cfg.AlbumSlide, CPU: p.Background}),
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

// travelObjects is the configured storage of the job files: the disk
// (DATA_DIR/albums) by default, the S3 bucket (made in the background at
// start) when TRAVEL_STORAGE=s3. The files are served at the document's
// paths by the module's routes, so the disk adapter's signed URLs are not
// mounted.
func travelObjects(p *Platform, m *Module) (files.Tree, error) {
	cfg := p.Config.Travel
	if cfg.Storage == "s3" {
		s3, err := files.NewS3(files.S3Config{Endpoint: cfg.S3.Endpoint, UseSSL: cfg.S3.UseSSL, Region: cfg.S3.Region,
			Bucket: cfg.S3.Bucket, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey, Prefix: cfg.S3.Prefix})
		if err != nil {
			return nil, fmt.Errorf("travel storage: %w", err)
		}
		m.Background = append(m.Background, func(ctx context.Context) error { return prepareBucket(ctx, p, "travel", s3, nil) })
		return s3, nil
	}
	disk, err := files.NewDisk(filepath.Join(p.Config.DataDir, "albums"), p.Secret, 0, p.Clock.Now)
	if err != nil {
		return nil, fmt.Errorf("travel storage: %w", err)
	}
	return disk, nil
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
