package poem

import (
	"math/rand/v2"
	"strings"
)

// Experience is the poet's life the poem leans towards (seed 004's
// "experience"); the zero value leans nowhere.
type Experience int

// The experiences.
const (
	AnyExperience Experience = iota
	Military                 // 戎马生涯
	Rural                    // 乡村生活
	OtherLife                // 其他
)

// History is the age the poem leans towards (seed 004's "history"); the
// zero value leans nowhere.
type History int

// The ages.
const (
	AnyHistory History = iota
	Prosperous         // 盛世
	Turbulent          // 乱世
)

// themeWords are the characters a theme favours: hand-picked, common in
// the corpus, each weighted up when the generator draws a character. They
// lean a poem; the statistics of the corpus still write it.
func themeWords(e Experience, h History) string {
	var s string
	switch e {
	case Military:
		s = "马剑戈兵甲旗鼓烽塞关征战营将军弓箭边胡沙骑城戍"
	case Rural:
		s = "田村桑麻牛犁稻篱溪农耕柴犬鸡麦锄园野渔樵茅舍"
	case OtherLife:
		s = "书琴酒茶僧寺客楼舟诗棋钟"
	}
	switch h {
	case Prosperous:
		s += "春华金玉歌乐龙凤太平丰宴锦繁帝"
	case Turbulent:
		s += "烽乱荒泪愁残孤寒哀骨离散霜悲"
	}
	return s
}

// Request is what to write.
type Request struct {
	// Keywords are words placed whole in the lines, one per line, in this
	// order (the first ones win when there are more words than lines);
	// characters other than Chinese are dropped, a word longer than a line
	// allows is cut into pieces.
	Keywords []string
	// Length is 5 or 7 characters a line.
	Length int
	// Lines is the number of lines, even, 2 to 8 (default 4, a quatrain).
	Lines      int
	Experience Experience
	History    History
	// Seed fixes the draw: one model, request and seed give one poem.
	Seed uint64
}

// Poem is a written poem.
type Poem struct {
	Lines []string
	// Keywords are the words that were placed, in the order of the lines.
	Keywords []string
}

// String joins the lines with newlines, as seed 004 answers them.
func (p Poem) String() string { return strings.Join(p.Lines, "\n") }

// Keywords cuts free text ("晴 桶 房屋", "山,水") into the words a Request
// takes.
func Keywords(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return !IsHan(r)
	})
}

// Generate writes a poem: each line holds one keyword at a position where
// the corpus often has its first character, the characters before it drawn
// backwards and those after it forwards from the n-grams; the last
// character of every even line rhymes with the previous even line's (pairs
// the corpus rhymes); characters already used are avoided; the theme's
// characters are favoured.
func (m *Model) Generate(req Request) (Poem, error) {
	L := req.Length
	t, ok := m.t[L]
	if L != 5 && L != 7 || !ok {
		return Poem{}, ErrBadLength
	}
	if len(t.start) == 0 {
		return Poem{}, ErrEmptyModel
	}
	lines := req.Lines
	if lines == 0 {
		lines = 4
	}
	if lines < 2 || lines > 8 || lines%2 != 0 {
		lines = 4
	}
	var words [][]rune
	for _, w := range req.Keywords {
		rs := []rune(strings.Join(Keywords(w), ""))
		for len(rs) > 0 {
			n := min(len(rs), L-2)
			words = append(words, rs[:n])
			rs = rs[n:]
		}
	}
	if len(words) == 0 {
		return Poem{}, ErrNoKeyword
	}
	if len(words) > lines {
		words = words[:lines]
	}
	g := &gen{m: m, t: t, L: L, rng: rand.New(rand.NewPCG(req.Seed, 0x706f656d)), used: map[uint32]bool{}, boost: map[uint32]bool{}}
	for _, r := range themeWords(req.Experience, req.History) {
		if i, ok := m.index[r]; ok {
			g.boost[i] = true
		}
	}
	// Spread the words over the lines: with two words on four lines, lines
	// 1 and 3 hold them.
	slot := make([][]rune, lines)
	for i, w := range words {
		slot[i*lines/len(words)] = w
	}
	out := Poem{}
	var rhyme uint32
	for li := range lines {
		even := li%2 == 1
		line := g.line(slot[li], even, rhyme, li > 1 && even)
		if even {
			rhyme = line[L-1]
		}
		var b strings.Builder
		for _, c := range line {
			b.WriteRune(g.runeOf(c))
		}
		out.Lines = append(out.Lines, b.String())
	}
	for _, w := range words {
		out.Keywords = append(out.Keywords, string(w))
	}
	return out, nil
}

// gen holds one poem's draw.
type gen struct {
	m     *Model
	t     *table
	L     int
	rng   *rand.Rand
	used  map[uint32]bool
	boost map[uint32]bool
	// extra are keyword characters the vocabulary lacks, numbered after it
	// (the n-grams know nothing of them and back off).
	extra []rune
}

// runeOf returns the character of an index.
func (g *gen) runeOf(c uint32) rune {
	if int(c) < len(g.m.vocab) {
		return g.m.vocab[c]
	}
	return g.extra[int(c)-len(g.m.vocab)]
}

// line writes one line around word (may be empty); an even line's last
// character is drawn among the finals of even lines, and rhymes with
// rhymeWith when rhymed. Every character drawn is marked used, so that the
// poem avoids repeating it, in this line and the next.
func (g *gen) line(word []rune, even bool, rhymeWith uint32, rhymed bool) []uint32 {
	L := g.L
	ids := make([]uint32, L)
	p := 0
	if len(word) > 0 {
		p = g.position(word)
		for i, r := range word {
			c, ok := g.m.index[r]
			if !ok {
				c = uint32(len(g.m.vocab) + len(g.extra))
				g.extra = append(g.extra, r)
			}
			ids[p+i] = c
			g.used[c] = true
		}
	} else {
		ids[0] = g.draw(g.t.start, nil)
		g.used[ids[0]] = true
	}
	// Backwards from the keyword to the line's start.
	for i := p - 1; i >= 0; i-- {
		ids[i] = g.draw(g.t.bwd[ids[i+1]], g.t.start)
		g.used[ids[i]] = true
	}
	end := p + max(len(word), 1)
	for i := end; i < L; i++ {
		var cands []cand
		if i >= 2 {
			cands = g.t.fwd3[key3(ids[i-2], ids[i-1])]
		}
		if len(cands) == 0 {
			cands = g.t.fwd2[ids[i-1]]
		}
		if i == L-1 && even {
			cands = g.final(cands, rhymeWith, rhymed)
		}
		ids[i] = g.draw(cands, g.t.start)
		g.used[ids[i]] = true
	}
	return ids
}

// final narrows the candidates of an even line's last character to those
// that rhyme (or, for the first even line, to the corpus's even-line
// finals); when none of the n-gram's candidates qualifies, the rhyme list
// itself is drawn from.
func (g *gen) final(cands []cand, rhymeWith uint32, rhymed bool) []cand {
	allowed := map[uint32]uint32{}
	pool := g.t.final
	if rhymed {
		pool = g.t.rhyme[rhymeWith]
	}
	for _, c := range pool {
		allowed[c.c] = c.n
	}
	var both []cand
	for _, c := range cands {
		if _, ok := allowed[c.c]; ok && c.c != rhymeWith {
			both = append(both, c)
		}
	}
	if len(both) > 0 {
		return both
	}
	if len(pool) > 0 {
		return pool
	}
	return cands
}

// position picks where a word stands: among the places it fits, weighted
// by how often its first character stands there in the corpus.
func (g *gen) position(word []rune) int {
	last := g.L - len(word)
	ws := make([]float64, last+1)
	total := 0.0
	var hist []uint32
	if c, ok := g.m.index[word[0]]; ok {
		hist = g.t.pos[c]
	}
	for i := range ws {
		ws[i] = 1
		if i < len(hist) {
			ws[i] += float64(hist[i])
		}
		total += ws[i]
	}
	r := g.rng.Float64() * total
	for i, w := range ws {
		if r -= w; r < 0 {
			return i
		}
	}
	return last
}

// draw picks a character among the most frequent candidates (fallback when
// there are none), in proportion to their counts, favouring the theme and
// avoiding characters the poem already holds.
func (g *gen) draw(cands, fallback []cand) uint32 {
	if len(cands) == 0 {
		cands = fallback
	}
	if len(cands) > 16 {
		cands = cands[:16]
	}
	ws := make([]float64, len(cands))
	total := 0.0
	for i, c := range cands {
		w := float64(c.n)
		if g.used[c.c] {
			w *= 0.02
		}
		if g.boost[c.c] {
			w *= 4
		}
		ws[i] = w
		total += w
	}
	r := g.rng.Float64() * total
	for i, w := range ws {
		if r -= w; r < 0 {
			return cands[i].c
		}
	}
	return cands[len(cands)-1].c
}
