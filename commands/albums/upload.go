package albums

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/albums"
	"github.com/fiveapis/backend/domain/eventlog"
)

// UploadImage is an image the edge decoded and checked (Image has its name,
// type and size; Data its bytes).
type UploadImage struct {
	Actor access.Actor
	Kind  albums.Kind
	JobID int64
	Image albums.File
	Ext   string
	Data  []byte
	Meta  eventlog.Metadata
}

// UploadImage stores the image in the job's folder and appends
// AlbumImageUploaded.
func (h *Handlers) UploadImage(ctx context.Context, cmd UploadImage) (Result, albums.File, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, albums.File{}, err
	}
	now := h.now(&cmd.Meta)
	j, err := h.Load(ctx, cmd.JobID)
	if err != nil {
		return Result{}, albums.File{}, err
	}
	f := cmd.Image
	f.Key = "pending"
	if _, err := albums.UploadImage(j, cmd.Kind, by, f, now); err != nil {
		return Result{}, albums.File{}, err
	}
	key, err := h.files.Put(ctx, cmd.JobID, cmd.Data, cmd.Ext)
	if err != nil {
		return Result{}, albums.File{}, fmt.Errorf("store image of album job %d: %w", cmd.JobID, err)
	}
	sum := sha256.Sum256(cmd.Data)
	f.Key, f.Size, f.SHA256 = key, int64(len(cmd.Data)), hex.EncodeToString(sum[:])
	res, err := h.decide(ctx, cmd.JobID, cmd.Meta, func(j albums.Job) (eventlog.Event, error) {
		return albums.UploadImage(j, cmd.Kind, by, f, now)
	})
	return Result{JobID: cmd.JobID, Position: res.Append.Position}, f, err
}

// UploadInfo is the client's info.json.
type UploadInfo struct {
	Actor access.Actor
	Kind  albums.Kind
	JobID int64
	Data  []byte
	Meta  eventlog.Metadata
}

// UploadInfo parses info.json and appends AlbumInfoUploaded.
func (h *Handlers) UploadInfo(ctx context.Context, cmd UploadInfo) (Result, error) {
	by, err := cmd.Actor.User()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	var in albums.Info
	if len(cmd.Data) > albums.MaxInfoBytes || json.Unmarshal(cmd.Data, &in) != nil {
		// The job's own refusals come first (a foreign job is not found).
		j, err := h.Load(ctx, cmd.JobID)
		if err != nil {
			return Result{}, err
		}
		if _, err := albums.UploadInfo(j, cmd.Kind, by, albums.Info{}, now); err != nil {
			return Result{}, err
		}
		return Result{}, albums.ErrBadInfo
	}
	res, err := h.decide(ctx, cmd.JobID, cmd.Meta, func(j albums.Job) (eventlog.Event, error) {
		return albums.UploadInfo(j, cmd.Kind, by, in, now)
	})
	return Result{JobID: cmd.JobID, Position: res.Append.Position}, err
}
