// Package poem writes classical Chinese quatrains of five- or seven-character
// lines around given keywords, from a statistical model of a real corpus:
// character n-grams (forward trigrams with backoff to bigrams, backward
// bigrams), where each character stands in a line, and which line-final
// characters rhyme with which (learnt from the even lines of the same
// poems). Train builds the model from poems; cmd/poemtrain trains it on the
// Tang poems of the npm package chinese-poetry (MIT) and writes the file
// that Embedded loads. The package knows nothing of HTTP; the travel API's
// /api/poem and /api/img2poem and the album pipeline call it.
package poem

import (
	"errors"
	"sort"
	"strings"
	"unicode"
)

// Lengths are the line lengths the model knows.
var lengths = [...]int{5, 7}

// cand is one continuation and how often the corpus has it.
type cand struct {
	c uint32 // index in the vocabulary
	n uint32
}

// table is the model of the lines of one length.
type table struct {
	start []cand            // first characters of lines
	fwd2  map[uint32][]cand // previous character → next
	fwd3  map[uint64][]cand // two previous characters → next
	bwd   map[uint32][]cand // next character → previous
	pos   map[uint32][]uint32
	final []cand            // last characters of even lines
	rhyme map[uint32][]cand // final of an even line → final of the next even line
}

// Model is a trained model; it is read-only and safe for concurrent use.
type Model struct {
	vocab []rune
	index map[rune]uint32
	t     map[int]*table
}

// ErrBadLength: the line length is neither 5 nor 7.
var ErrBadLength = errors.New("line length must be 5 or 7")

// ErrNoKeyword: no keyword holds a Chinese character.
var ErrNoKeyword = errors.New("no keyword holds a Chinese character")

// ErrEmptyModel: the model has no lines of the asked length.
var ErrEmptyModel = errors.New("the model has no lines of this length")

// IsHan tells whether r is a Chinese character.
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// SplitLines cuts a poem's paragraphs ("秦川雄帝宅，函谷壯皇居。") at its
// punctuation into lines; a line that holds anything but Chinese characters
// (a note, a lacuna "□") is dropped with its poem left short, which Train
// then skips.
func SplitLines(paragraphs []string) []string {
	var out []string
	for _, p := range paragraphs {
		for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }) {
			ok := true
			for _, r := range seg {
				ok = ok && IsHan(r)
			}
			if ok {
				out = append(out, seg)
			} else {
				out = append(out, "") // keeps the poem's shape wrong on purpose
			}
		}
	}
	return out
}

// TrainOptions bound the model's size.
type TrainOptions struct {
	// Keep bounds the continuations kept per context (default 32).
	Keep int
	// MinTrigram drops trigrams seen fewer times (default 2).
	MinTrigram int
}

// Train counts the poems whose lines all have 5 or all 7 characters, at
// least four lines and an even number of them (the regulated forms the
// generator writes). Poems are lines of Chinese characters (SplitLines).
func Train(poems [][]string, opt TrainOptions) *Model {
	if opt.Keep <= 0 {
		opt.Keep = 32
	}
	if opt.MinTrigram <= 0 {
		opt.MinTrigram = 2
	}
	type counts struct {
		start, final map[uint32]uint32
		fwd2, bwd    map[uint32]map[uint32]uint32
		fwd3         map[uint64]map[uint32]uint32
		rhyme        map[uint32]map[uint32]uint32
		pos          map[uint32][]uint32
	}
	m := &Model{index: map[rune]uint32{}, t: map[int]*table{}}
	id := func(r rune) uint32 {
		if i, ok := m.index[r]; ok {
			return i
		}
		m.index[r] = uint32(len(m.vocab))
		m.vocab = append(m.vocab, r)
		return m.index[r]
	}
	inc2 := func(mm map[uint32]map[uint32]uint32, k, v uint32) {
		if mm[k] == nil {
			mm[k] = map[uint32]uint32{}
		}
		mm[k][v]++
	}
	cs := map[int]*counts{}
	for _, L := range lengths {
		cs[L] = &counts{start: map[uint32]uint32{}, final: map[uint32]uint32{}, fwd2: map[uint32]map[uint32]uint32{},
			bwd: map[uint32]map[uint32]uint32{}, fwd3: map[uint64]map[uint32]uint32{}, rhyme: map[uint32]map[uint32]uint32{}, pos: map[uint32][]uint32{}}
	}
	for _, poem := range poems {
		L := regular(poem)
		if L == 0 {
			continue
		}
		c := cs[L]
		var prevFinal uint32
		for li, line := range poem {
			rs := []rune(line)
			ids := make([]uint32, len(rs))
			for i, r := range rs {
				ids[i] = id(r)
				if c.pos[ids[i]] == nil {
					c.pos[ids[i]] = make([]uint32, L)
				}
				c.pos[ids[i]][i]++
			}
			c.start[ids[0]]++
			for i := 1; i < L; i++ {
				inc2(c.fwd2, ids[i-1], ids[i])
				inc2(c.bwd, ids[i], ids[i-1])
				if i >= 2 {
					k := key3(ids[i-2], ids[i-1])
					if c.fwd3[k] == nil {
						c.fwd3[k] = map[uint32]uint32{}
					}
					c.fwd3[k][ids[i]]++
				}
			}
			if li%2 == 1 {
				f := ids[L-1]
				c.final[f]++
				if li > 1 && f != prevFinal {
					inc2(c.rhyme, prevFinal, f)
					inc2(c.rhyme, f, prevFinal)
				}
				prevFinal = f
			}
		}
	}
	for _, L := range lengths {
		c := cs[L]
		t := &table{start: top(c.start, opt.Keep*4, 1), final: top(c.final, opt.Keep*4, 1),
			fwd2: map[uint32][]cand{}, bwd: map[uint32][]cand{}, fwd3: map[uint64][]cand{}, rhyme: map[uint32][]cand{}, pos: c.pos}
		for k, v := range c.fwd2 {
			t.fwd2[k] = top(v, opt.Keep, 1)
		}
		for k, v := range c.bwd {
			t.bwd[k] = top(v, opt.Keep, 1)
		}
		for k, v := range c.fwd3 {
			if l := top(v, opt.Keep, uint32(opt.MinTrigram)); len(l) > 0 {
				t.fwd3[k] = l
			}
		}
		for k, v := range c.rhyme {
			if l := top(v, opt.Keep, 2); len(l) > 0 {
				t.rhyme[k] = l
			}
		}
		m.t[L] = t
	}
	return m
}

// regular returns the line length of a poem the model learns from, else 0.
func regular(poem []string) int {
	if len(poem) < 4 || len(poem)%2 != 0 {
		return 0
	}
	L := len([]rune(poem[0]))
	if L != 5 && L != 7 {
		return 0
	}
	for _, line := range poem {
		if len([]rune(line)) != L {
			return 0
		}
	}
	return L
}

func key3(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b) }

// top keeps the n most frequent entries seen at least min times, the most
// frequent first (ties by index, so training is deterministic).
func top(m map[uint32]uint32, n int, min uint32) []cand {
	out := make([]cand, 0, len(m))
	for c, k := range m {
		if k >= min {
			out = append(out, cand{c, k})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].c < out[j].c
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Stats tells the size of a model.
type Stats struct {
	Vocabulary int
	// Contexts counts the trigram contexts per line length.
	Contexts map[int]int
}

// Stats returns the model's size.
func (m *Model) Stats() Stats {
	s := Stats{Vocabulary: len(m.vocab), Contexts: map[int]int{}}
	for L, t := range m.t {
		s.Contexts[L] = len(t.fwd3)
	}
	return s
}
