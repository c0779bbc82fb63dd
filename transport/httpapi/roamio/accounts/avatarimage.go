package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/webp"
)

// Limits of an avatar's picture: a small file can declare a huge picture (a
// decompression bomb), so the declared size is checked before the pixels
// are decoded. 4096×4096 covers every phone photo of 16 megapixels.
const (
	maxAvatarSide   = 8192
	maxAvatarPixels = 4096 * 4096
)

// Reasons an upload is not an avatar.
var (
	errAvatarFormat  = errors.New("只支持 JPG、PNG、GIF、WebP 格式的图片")
	errAvatarCorrupt = errors.New("Upload a valid image. The file you uploaded was either not an image or a corrupted image.")
	errAvatarHuge    = fmt.Errorf("图片尺寸过大: 不能超过 %d 像素, 每边不超过 %d 像素", maxAvatarPixels, maxAvatarSide)
)

// imageCodec reads one image format.
type imageCodec struct {
	ext    string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// avatarCodecs are the accepted formats, by the content type their magic
// bytes tell (http.DetectContentType). The decoder is chosen here rather
// than through image.Decode's registry, so that only these formats are ever
// parsed.
var avatarCodecs = map[string]imageCodec{
	"image/jpeg": {".jpg", jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {".png", png.DecodeConfig, png.Decode},
	"image/gif":  {".gif", gif.DecodeConfig, gif.Decode},
	"image/webp": {".webp", webp.DecodeConfig, webp.Decode},
}

// checkAvatarImage accepts data only when it is a whole picture of an
// accepted format: the magic bytes name the format, the header's size is
// within the limits, and the pixels decode (a truncated file or a valid
// header on garbage does not). It returns the content type and the file
// extension to store it under; the error is one of the reasons above.
func checkAvatarImage(data []byte) (contentType, ext string, err error) {
	contentType = http.DetectContentType(data)
	codec, ok := avatarCodecs[contentType]
	if !ok {
		return "", "", errAvatarFormat
	}
	cfg, err := codec.config(bytes.NewReader(data))
	if err != nil {
		return "", "", errAvatarCorrupt
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide ||
		cfg.Width*cfg.Height > maxAvatarPixels {
		return "", "", errAvatarHuge
	}
	if _, err := codec.decode(bytes.NewReader(data)); err != nil {
		return "", "", errAvatarCorrupt
	}
	return contentType, codec.ext, nil
}
