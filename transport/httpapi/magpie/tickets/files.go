package ticketshttp

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	ticketscmd "github.com/fiveapis/backend/commands/tickets"
	"github.com/fiveapis/backend/domain/tickets"
	ticketsq "github.com/fiveapis/backend/queries/tickets"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
	"github.com/fiveapis/backend/transport/httpapi/magpie"
)

func (h *Handlers) file(c echo.Context) (ticketsq.File, error) {
	id, err := pathID(c)
	if err != nil {
		return ticketsq.File{}, err
	}
	f, err := h.d.Queries.GetFile(c.Request().Context(), viewer(c), id)
	if errors.Is(err, ticketsq.ErrNotFound) {
		return f, magpie.ErrNotFound
	}
	return f, err
}

// getFile: GET /api/lastest/file/{id}/ — a saved file of a ticket the
// caller sees, or any file of the caller's own ticket.
func (h *Handlers) getFile(c echo.Context) error {
	f, err := h.file(c)
	if err != nil {
		return err
	}
	o, err := h.render(c).file(f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// patchFile: PATCH /api/lastest/file/{id}/ {"save_done": true} — the app
// reports that it uploaded the bytes: the server reads them back from
// storage and checks them (a picture must decode, within the pixel limit;
// a recording must be audio of a known container; both within the size
// limit) before the file is shown to others. A file that fails the check is
// deleted from storage and stays unsaved, so the app may upload again.
func (h *Handlers) patchFile(c echo.Context) error {
	f, err := h.file(c)
	if err != nil {
		return err
	}
	b, err := magpie.ReadBody(c)
	if err != nil {
		return err
	}
	done, err := b.Bool("save_done")
	if err != nil {
		return err
	}
	if done == nil || !*done {
		return magpie.BadRequest{Field: "save_done", Message: "Only save_done true can be sent."}
	}
	if actor := httpapi.Actor(c); f.CreatorID != actor.UserID && !actor.Admin {
		return magpie.ErrUnauthorized
	}
	if !f.Saved {
		size, contentType, err := h.check(c, f)
		if err != nil {
			return err
		}
		if _, err := h.d.Commands.SaveFile(c.Request().Context(), ticketscmd.SaveFile{Actor: httpapi.Actor(c), TicketID: f.TicketID,
			FileID: f.ID, Size: size, ContentType: contentType, Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
			return err
		}
		httpapi.Settle(c)
		if f, err = h.file(c); err != nil {
			return err
		}
	}
	o, err := h.render(c).file(f)
	if err != nil {
		return err
	}
	return magpie.Accepted(c, o)
}

// check reads the uploaded bytes and checks them.
func (h *Handlers) check(c echo.Context, f ticketsq.File) (int64, string, error) {
	ctx := c.Request().Context()
	limit := h.d.MaxPictureBytes
	if f.Role == tickets.FileTape {
		limit = h.d.MaxTapeBytes
	}
	data, err := h.d.Storage.Get(ctx, f.Key, limit)
	switch {
	case errors.Is(err, ErrObjectMissing):
		return 0, "", magpie.BadRequest{Field: "save_done", Message: "The file has not been uploaded yet."}
	case errors.Is(err, ErrObjectTooLarge):
		_ = h.d.Storage.Delete(ctx, f.Key)
		return 0, "", magpie.BadRequest{Field: "save_done", Message: fmt.Sprintf("The file is larger than %d bytes; it was removed.", limit)}
	case err != nil:
		return 0, "", err
	}
	var contentType string
	if f.Role == tickets.FileTape {
		contentType = audioType(data)
		if contentType == "" {
			_ = h.d.Storage.Delete(ctx, f.Key)
			return 0, "", magpie.BadRequest{Field: "save_done", Message: "The recording is not audio (M4A/MP4, 3GP, AMR, AAC, MP3, Ogg or WAV); it was removed."}
		}
	} else {
		checked, err := imagecheck.Check(data, imagecheck.MaxPixels)
		if err != nil {
			_ = h.d.Storage.Delete(ctx, f.Key)
			return 0, "", magpie.BadRequest{Field: "save_done", Message: "The picture is not a whole JPEG, PNG, GIF or WebP image (" + err.Error() + "); it was removed."}
		}
		contentType = checked.ContentType
	}
	return int64(len(data)), contentType, nil
}

// audioType tells a recording's type from its container's magic bytes.
func audioType(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		if bytes.HasPrefix(b[8:], []byte("3gp")) {
			return "audio/3gpp"
		}
		return "audio/mp4"
	case bytes.HasPrefix(b, []byte("#!AMR")):
		return "audio/amr"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "audio/ogg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "audio/wav"
	case bytes.HasPrefix(b, []byte("ID3")):
		return "audio/mpeg"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xF6 == 0xF0:
		return "audio/aac"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return "audio/mpeg"
	}
	return ""
}
