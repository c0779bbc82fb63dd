package media

import (
	"encoding/binary"
	"errors"
)

// standalone returns font index of a font file (a TrueType collection or a
// single font) as a single font whose tables begin on four-byte
// boundaries. The WenQuanYi collections Debian ships place some tables at
// unaligned offsets, which golang.org/x/image/font/sfnt refuses ("invalid
// table offset") though FreeType reads them; copying the tables out aligned
// gives sfnt the same font.
func standalone(data []byte, index int) ([]byte, error) {
	errBad := errors.New("font: not a TrueType/OpenType font or collection")
	be := binary.BigEndian
	if len(data) < 12 {
		return nil, errBad
	}
	off := 0
	if string(data[:4]) == "ttcf" {
		n := int(be.Uint32(data[8:]))
		if index >= n || 12+4*(index+1) > len(data) {
			return nil, errBad
		}
		off = int(be.Uint32(data[12+4*index:]))
	}
	if off+12 > len(data) {
		return nil, errBad
	}
	numTables := int(be.Uint16(data[off+4:]))
	dir := off + 12
	if numTables == 0 || dir+16*numTables > len(data) {
		return nil, errBad
	}
	head := 12 + 16*numTables
	out := make([]byte, head, len(data))
	copy(out, data[off:off+12])
	for i := range numTables {
		rec := data[dir+16*i : dir+16*i+16]
		o, n := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		if o < 0 || n < 0 || o+n > len(data) {
			return nil, errBad
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		at := len(out)
		out = append(out, data[o:o+n]...)
		copy(out[12+16*i:], rec[:8])
		be.PutUint32(out[12+16*i+8:], uint32(at))
		be.PutUint32(out[12+16*i+12:], uint32(n))
	}
	return out, nil
}
