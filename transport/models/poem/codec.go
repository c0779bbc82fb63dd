package poem

import (
	"bytes"
	_ "embed" // the shipped model
	"fmt"
	"io"
	"sort"

	"github.com/fiveapis/backend/transport/models/packed"
)

// magic starts a model file; the last byte is the format's version.
const magic = "POEM\x01"

//go:embed model.bin.gz
var embedded []byte

// Embedded loads the model shipped in this package (written by
// cmd/poemtrain). Loading takes a moment: call it once and share the model.
func Embedded() (*Model, error) { return Read(bytes.NewReader(embedded)) }

// Write stores the model (packed): the vocabulary, then per line length
// every table as varints, keys sorted so that one model always gives the
// same bytes.
func (m *Model) Write(w io.Writer) error {
	pw := packed.NewWriter(w, magic)
	list := func(l []cand) {
		pw.U(uint64(len(l)))
		for _, c := range l {
			pw.U(uint64(c.c))
			pw.U(uint64(c.n))
		}
	}
	lists := func(mm map[uint32][]cand) {
		keys := sortedKeys(mm)
		pw.U(uint64(len(keys)))
		for _, k := range keys {
			pw.U(uint64(k))
			list(mm[k])
		}
	}
	pw.U(uint64(len(m.vocab)))
	for _, r := range m.vocab {
		pw.U(uint64(r))
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
		pw.U(uint64(len(keys)))
		for _, k := range keys {
			pw.U(k >> 32)
			pw.U(k & 0xffffffff)
			list(t.fwd3[k])
		}
		pk := sortedKeys(t.pos)
		pw.U(uint64(len(pk)))
		for _, k := range pk {
			pw.U(uint64(k))
			for _, n := range t.pos[k] {
				pw.U(uint64(n))
			}
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("poem model: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[uint32]V) []uint32 {
	keys := make([]uint32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Read loads a model that Write stored.
func Read(r io.Reader) (*Model, error) {
	pr, err := packed.NewReader(r, magic)
	if err != nil {
		return nil, fmt.Errorf("poem model: %w", err)
	}
	n := pr.U()
	if n > 1<<20 {
		return nil, fmt.Errorf("poem model: %w", packed.ErrCorrupt)
	}
	m := &Model{index: make(map[rune]uint32, n), t: map[int]*table{}}
	for i := uint64(0); i < n && pr.Err() == nil; i++ {
		r := rune(pr.U())
		m.index[r] = uint32(i)
		m.vocab = append(m.vocab, r)
	}
	list := func() []cand {
		k := pr.U()
		if k > n {
			pr.Fail()
			return nil
		}
		l := make([]cand, k)
		for i := range l {
			l[i] = cand{uint32(pr.U()), uint32(pr.U())}
			if uint64(l[i].c) >= n {
				pr.Fail()
			}
		}
		return l
	}
	lists := func() map[uint32][]cand {
		k := pr.U()
		mm := make(map[uint32][]cand, min(k, n))
		for i := uint64(0); i < k && pr.Err() == nil; i++ {
			key := uint32(pr.U())
			mm[key] = list()
		}
		return mm
	}
	for _, L := range lengths {
		t := &table{}
		t.start, t.final = list(), list()
		t.fwd2, t.bwd, t.rhyme = lists(), lists(), lists()
		k := pr.U()
		t.fwd3 = make(map[uint64][]cand, min(k, 1<<22))
		for i := uint64(0); i < k && pr.Err() == nil; i++ {
			key := key3(uint32(pr.U()), uint32(pr.U()))
			t.fwd3[key] = list()
		}
		k = pr.U()
		t.pos = make(map[uint32][]uint32, min(k, n))
		for i := uint64(0); i < k && pr.Err() == nil; i++ {
			key := uint32(pr.U())
			p := make([]uint32, L)
			for j := range p {
				p[j] = uint32(pr.U())
			}
			t.pos[key] = p
		}
		m.t[L] = t
	}
	if err := pr.Err(); err != nil {
		return nil, fmt.Errorf("poem model: %w", err)
	}
	return m, nil
}
