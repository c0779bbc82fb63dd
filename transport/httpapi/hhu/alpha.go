package hhu

import (
	"strings"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// alphaBounds pairs the first character of each pinyin initial, in Chinese
// (pinyin) collation order, with its letter: a character sorts under the
// last bound it does not precede.
const alphaBounds = "阿A八B嚓C咑D妸E发F旮G哈H丌J咔K垃L妈M拏N噢O妑P七Q呥R仨S他T屲W夕X丫Y帀Z"

// Alphabet files names under the upper-case initial of their pinyin, the
// address book's index (the original's alpha: the first letter of the
// family name's pinyin). Not safe for concurrent use: one per answer.
type Alphabet struct{ c *collate.Collator }

// NewAlphabet returns an Alphabet.
func NewAlphabet() Alphabet { return Alphabet{c: collate.New(language.Chinese)} }

// Of is the letter of lastName, or of name when lastName is empty: a Latin
// letter as itself in upper case, a Chinese character by its pinyin
// initial (polyphonic family names by their common reading), anything else
// "?".
func (a Alphabet) Of(lastName, name string) string {
	s := strings.TrimSpace(lastName)
	if s == "" {
		s = strings.TrimSpace(name)
	}
	r := []rune(s + "?")[0]
	switch {
	case r < unicode.MaxASCII && unicode.IsLetter(r):
		return strings.ToUpper(string(r))
	case !unicode.Is(unicode.Han, r):
		return "?"
	}
	letter := "?"
	bounds := []rune(alphaBounds)
	for i := 0; i+1 < len(bounds); i += 2 {
		if a.c.CompareString(string(r), string(bounds[i])) >= 0 {
			letter = string(bounds[i+1])
		}
	}
	return letter
}

// Alpha is NewAlphabet().Of(lastName, name).
func Alpha(lastName, name string) string { return NewAlphabet().Of(lastName, name) }
