package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"
)

// Exif is what the album pipeline reads of a JPEG's EXIF block: when the
// picture was taken and where (GPS, degrees; nil when absent).
type Exif struct {
	TakenAt             *time.Time
	Latitude, Longitude *float64
}

// errNoExif: the picture has no (readable) EXIF block.
var errNoExif = errors.New("no EXIF")

// ReadExif finds the APP1 "Exif" segment of a JPEG and reads its TIFF
// directories: DateTimeOriginal (or DateTime) of IFD0/Exif IFD, and the GPS
// IFD's latitude and longitude with their references. Times carry no zone in
// EXIF; they are read as UTC wall-clock times.
func ReadExif(data []byte) (Exif, error) {
	tiff, err := exifSegment(data)
	if err != nil {
		return Exif{}, err
	}
	if len(tiff) < 8 {
		return Exif{}, errNoExif
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return Exif{}, errNoExif
	}
	r := tiffReader{b: tiff, bo: bo}
	ifd0 := r.ifd(int(bo.Uint32(tiff[4:8])))
	var out Exif
	when := ""
	if e, ok := ifd0[0x8769]; ok { // Exif IFD
		sub := r.ifd(int(r.long(e)))
		if v, ok := sub[0x9003]; ok { // DateTimeOriginal
			when = r.ascii(v)
		}
	}
	if v, ok := ifd0[0x0132]; ok && when == "" { // DateTime
		when = r.ascii(v)
	}
	if t, err := time.Parse("2006:01:02 15:04:05", when); err == nil {
		out.TakenAt = &t
	}
	if e, ok := ifd0[0x8825]; ok { // GPS IFD
		gps := r.ifd(int(r.long(e)))
		out.Latitude = r.coordinate(gps, 0x0001, 0x0002, "S", 90)
		out.Longitude = r.coordinate(gps, 0x0003, 0x0004, "W", 180)
	}
	return out, nil
}

// exifSegment returns the TIFF block of a JPEG's APP1 Exif segment.
func exifSegment(data []byte) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errNoExif
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return nil, errNoExif
		}
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end
			return nil, errNoExif
		}
		n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		if n < 2 || i+2+n > len(data) {
			return nil, errNoExif
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:], nil
		}
		i += 2 + n
	}
	return nil, errNoExif
}

type entry struct {
	typ   uint16
	count uint32
	value []byte // the 4-byte value field
}

type tiffReader struct {
	b  []byte
	bo binary.ByteOrder
}

// ifd reads the entries of the directory at off (none when out of range).
func (r tiffReader) ifd(off int) map[uint16]entry {
	out := map[uint16]entry{}
	if off < 8 || off+2 > len(r.b) {
		return out
	}
	n := int(r.bo.Uint16(r.b[off:]))
	for k := 0; k < n && k < 512; k++ {
		p := off + 2 + 12*k
		if p+12 > len(r.b) {
			break
		}
		out[r.bo.Uint16(r.b[p:])] = entry{typ: r.bo.Uint16(r.b[p+2:]), count: r.bo.Uint32(r.b[p+4:]), value: r.b[p+8 : p+12]}
	}
	return out
}

func (r tiffReader) long(e entry) uint32 { return r.bo.Uint32(e.value) }

// data is an entry's bytes: inline when they fit in 4, else at the offset.
func (r tiffReader) data(e entry, size int) []byte {
	total := int(e.count) * size
	if total <= 4 {
		return e.value[:total]
	}
	off := int(r.bo.Uint32(e.value))
	if total > 1<<16 || off < 0 || off+total > len(r.b) {
		return nil
	}
	return r.b[off : off+total]
}

func (r tiffReader) ascii(e entry) string {
	if e.typ != 2 {
		return ""
	}
	return string(bytes.TrimRight(r.data(e, 1), "\x00 "))
}

// coordinate reads a GPS position in degrees from three rationals and its
// reference letter; nil when absent or out of range.
func (r tiffReader) coordinate(gps map[uint16]entry, refTag, valTag uint16, negative string, limit float64) *float64 {
	ref, ok1 := gps[refTag]
	val, ok2 := gps[valTag]
	if !ok1 || !ok2 || val.typ != 5 || val.count != 3 {
		return nil
	}
	b := r.data(val, 8)
	if len(b) != 24 {
		return nil
	}
	var parts [3]float64
	for i := range parts {
		num, den := r.bo.Uint32(b[8*i:]), r.bo.Uint32(b[8*i+4:])
		if den == 0 {
			return nil
		}
		parts[i] = float64(num) / float64(den)
	}
	v := parts[0] + parts[1]/60 + parts[2]/3600
	if r.ascii(ref) == negative {
		v = -v
	}
	if v > limit || v < -limit {
		return nil
	}
	return &v
}
