package poem

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // the shipped model
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// magic starts a model file; the last byte is the format's version.
const magic = "POEM\x01"

//go:embed model.bin.gz
var embedded []byte

// Embedded loads the model shipped in this package (written by
// cmd/poemtrain). Loading takes a moment: call it once and share the model.
func Embedded() (*Model, error) { return Read(bytes.NewReader(embedded)) }

// Write stores the model gzip-compressed in a compact binary form: the
// vocabulary, then per line length every table as varints, keys sorted so
// that one model always gives the same bytes.
func (m *Model) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("poem model: %w", err)
	}
	bw := bufio.NewWriter(zw)
	var buf [binary.MaxVarintLen64]byte
	u := func(v uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], v)]) } //nolint:errcheck // bufio keeps the first error for Flush
	list := func(l []cand) {
		u(uint64(len(l)))
		for _, c := range l {
			u(uint64(c.c))
			u(uint64(c.n))
		}
	}
	lists := func(mm map[uint32][]cand) {
		keys := make([]uint32, 0, len(mm))
		for k := range mm {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		u(uint64(len(keys)))
		for _, k := range keys {
			u(uint64(k))
			list(mm[k])
		}
	}
	bw.WriteString(magic) //nolint:errcheck // as above
	u(uint64(len(m.vocab)))
	for _, r := range m.vocab {
		u(uint64(r))
	}
	for _, L := range lengths {
		t := m.t[L]
		list(t.start)
		list(t.final)
		lists(t.fwd2)
		lists(t.bwd)
		lists(t.rhyme)
		keys := make([]uint64, 0, len(t.fwd3))
		for k := range t.fwd3 {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		u(uint64(len(keys)))
		for _, k := range keys {
			u(k >> 32)
			u(k & 0xffffffff)
			list(t.fwd3[k])
		}
		pk := make([]uint32, 0, len(t.pos))
		for k := range t.pos {
			pk = append(pk, k)
		}
		sort.Slice(pk, func(i, j int) bool { return pk[i] < pk[j] })
		u(uint64(len(pk)))
		for _, k := range pk {
			u(uint64(k))
			for _, n := range t.pos[k] {
				u(uint64(n))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("poem model: write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("poem model: write: %w", err)
	}
	return nil
}

// errCorrupt: the model file does not hold what Write writes.
var errCorrupt = errors.New("poem model: corrupt file")

// Read loads a model that Write stored.
func Read(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("poem model: %w", err)
	}
	br := bufio.NewReader(zr)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, errCorrupt
	}
	var rerr error
	u := func() uint64 {
		v, err := binary.ReadUvarint(br)
		if err != nil && rerr == nil {
			rerr = err
		}
		return v
	}
	n := u()
	if n > 1<<20 {
		return nil, errCorrupt
	}
	m := &Model{index: make(map[rune]uint32, n), t: map[int]*table{}}
	for i := uint64(0); i < n && rerr == nil; i++ {
		r := rune(u())
		m.index[r] = uint32(i)
		m.vocab = append(m.vocab, r)
	}
	list := func() []cand {
		k := u()
		if k > n || rerr != nil {
			rerr = errCorrupt
			return nil
		}
		l := make([]cand, k)
		for i := range l {
			l[i] = cand{uint32(u()), uint32(u())}
			if uint64(l[i].c) >= n {
				rerr = errCorrupt
			}
		}
		return l
	}
	lists := func() map[uint32][]cand {
		k := u()
		mm := make(map[uint32][]cand, min(k, n))
		for i := uint64(0); i < k && rerr == nil; i++ {
			key := uint32(u())
			mm[key] = list()
		}
		return mm
	}
	for _, L := range lengths {
		t := &table{}
		t.start, t.final = list(), list()
		t.fwd2, t.bwd, t.rhyme = lists(), lists(), lists()
		k := u()
		t.fwd3 = make(map[uint64][]cand, min(k, 1<<22))
		for i := uint64(0); i < k && rerr == nil; i++ {
			key := key3(uint32(u()), uint32(u()))
			t.fwd3[key] = list()
		}
		k = u()
		t.pos = make(map[uint32][]uint32, min(k, n))
		for i := uint64(0); i < k && rerr == nil; i++ {
			key := uint32(u())
			p := make([]uint32, L)
			for j := range p {
				p[j] = uint32(u())
			}
			t.pos[key] = p
		}
		m.t[L] = t
	}
	if rerr != nil {
		return nil, fmt.Errorf("poem model: read: %w", rerr)
	}
	return m, nil
}
