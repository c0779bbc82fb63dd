package commentshttp

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/imagecheck"
)

// Upload limits.
const (
	MaxImageBytes = 5 << 20
	MaxVideoBytes = 20 << 20
)

// readFile reads a multipart file field (nil when absent).
func readFile(fh *multipart.FileHeader, limit int64, field string) ([]byte, error) {
	if fh.Size > limit {
		return nil, drf.FieldErrors{field: {"The submitted file is too large."}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, drf.FieldErrors{field: {"The submitted data was not a file."}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil || int64(len(data)) > limit {
		return nil, drf.FieldErrors{field: {"The submitted file is too large."}}
	}
	if len(data) == 0 {
		return nil, drf.FieldErrors{field: {"The submitted file is empty."}}
	}
	return data, nil
}

// storeImage checks that data is a whole picture (imagecheck) and stores it.
func (h *Handlers) storeImage(c echo.Context, fh *multipart.FileHeader) (string, error) {
	data, err := readFile(fh, MaxImageBytes, "image")
	if err != nil {
		return "", err
	}
	img, err := imagecheck.Check(data, imagecheck.MaxPixels)
	if err != nil {
		return "", drf.FieldErrors{"image": {"Upload a valid image. The file you uploaded was either not an image or a corrupted image."}}
	}
	return h.put(c, data, img.Ext)
}

// storeVideo accepts MP4/QuickTime (an ftyp box first) and WebM (EBML
// header) files and stores them.
func (h *Handlers) storeVideo(c echo.Context, fh *multipart.FileHeader) (string, error) {
	data, err := readFile(fh, MaxVideoBytes, "video")
	if err != nil {
		return "", err
	}
	var ext string
	switch {
	case len(data) >= 12 && bytes.Equal(data[4:8], []byte("ftyp")):
		ext = ".mp4"
	case len(data) >= 4 && bytes.Equal(data[:4], []byte{0x1a, 0x45, 0xdf, 0xa3}):
		ext = ".webm"
	default:
		return "", drf.FieldErrors{"video": {"Upload a valid video (MP4 or WebM)."}}
	}
	return h.put(c, data, ext)
}

func (h *Handlers) put(c echo.Context, data []byte, ext string) (string, error) {
	if h.d.Files == nil {
		return "", drf.Refusal{Status: http.StatusServiceUnavailable, Detail: "File storage is not configured."}
	}
	key, err := h.d.Files.Put(data, ext)
	if err != nil {
		return "", err
	}
	base := h.d.PublicURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + MediaPath + key, nil
}

// formFile returns the multipart file of field, nil when absent.
func formFile(c echo.Context, field string) (*multipart.FileHeader, error) {
	fh, err := c.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, drf.FieldErrors{field: {"The submitted file is too large."}}
		}
		return nil, drf.FieldErrors{field: {"The submitted data was not a file."}}
	}
	return fh, nil
}
