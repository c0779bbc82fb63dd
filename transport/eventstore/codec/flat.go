package codec

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Flat events. Most event types are flat: a struct of strings, integers,
// booleans and times, which Encode writes as one JSON object, keys in field
// order, no white space. Decoding them through a general JSON decoder was
// still a third of the server's CPU in a rebuild (after go-json-experiment,
// see unmarshal). A flatPlan reads that form directly (metadata too, by the
// plan of eventlog.Metadata): when every key is a field's exact JSON name, once, and
// every value is of the plain form its field takes (a string without escapes
// or control characters, an integer without fraction or exponent that fits,
// true or false, a time that time.Time.UnmarshalJSON accepts), it sets the
// fields as encoding/json would. Anything else, and every type that is not
// flat, goes to unmarshal, so results and errors stay encoding/json's; the
// codec's tests and fuzz target compare the two.

// flatKind is how a flat field's value is written.
type flatKind uint8

const (
	flatString flatKind = iota
	flatBool
	flatInt
	flatUint
	flatTime
)

// flatField is one JSON field of a flat type.
type flatField struct {
	name  string
	index int // in the struct
	kind  flatKind
	bits  int // of an integer
}

// flatPlan decodes the plain form of one flat struct type.
type flatPlan struct {
	fields []flatField
	byName map[string]int // JSON name → index in fields
}

// maxFlatFields bounds a flat type's JSON fields: decode tracks the keys it
// has seen in a uint64.
const maxFlatFields = 64

// flatNameRunes are what a flat field's JSON name may be made of: no name
// then needs escaping, and encoding/json takes every such tag as it stands.
const flatNameRunes = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

// customDecoding reports whether encoding/json decodes t with t's own
// methods.
func customDecoding(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(reflect.TypeFor[json.Unmarshaler]()) || p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// newFlatPlan returns the plan of t, or nil when t is not flat: a struct
// with no embedded field and no decoding method of its own, whose JSON
// fields (exported, not "-") are strings, booleans, integers (of any named
// type without methods of its own) or time.Time, with distinct names of
// letters, digits, '_' and '-' and no ",string" option.
func newFlatPlan(t reflect.Type) *flatPlan {
	if t.Kind() != reflect.Struct || customDecoding(t) || t.NumField() > maxFlatFields {
		return nil
	}
	p := &flatPlan{byName: map[string]int{}}
	folded := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			return nil
		}
		if name == "" {
			name = f.Name
		}
		if strings.Trim(name, flatNameRunes) != "" || folded[strings.ToLower(name)] {
			return nil
		}
		folded[strings.ToLower(name)] = true
		ff := flatField{name: name, index: i}
		switch ft := f.Type; {
		case ft == reflect.TypeFor[time.Time]():
			ff.kind = flatTime
		case customDecoding(ft), ft == reflect.TypeFor[json.Number]():
			// json.Number: encoding/json checks that a string is a number.
			return nil
		case ft.Kind() == reflect.String:
			ff.kind = flatString
		case ft.Kind() == reflect.Bool:
			ff.kind = flatBool
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Int64:
			ff.kind, ff.bits = flatInt, ft.Bits()
		case ft.Kind() >= reflect.Uint && ft.Kind() <= reflect.Uint64:
			ff.kind, ff.bits = flatUint, ft.Bits()
		default:
			return nil
		}
		p.byName[name] = len(p.fields)
		p.fields = append(p.fields, ff)
	}
	return p
}

// decode sets v (a zero value of the plan's type) from data when data is in
// the plain form; it reports false, leaving v partly set, otherwise. The
// strings it sets share one copy of data.
func (p *flatPlan) decode(data []byte, v reflect.Value) bool {
	if len(data) < 2 || data[0] != '{' {
		return false
	}
	if len(data) == 2 {
		return data[1] == '}'
	}
	c := oneCopy{data: data}
	var seen uint64
	next := 0 // the field Encode writes next: usually the key's
	for i := 1; ; {
		from, to, ok := plainString(data, i)
		if !ok || to+1 >= len(data) || data[to+1] != ':' {
			return false
		}
		key := data[from:to]
		fi := next
		if fi >= len(p.fields) || p.fields[fi].name != string(key) {
			if fi, ok = p.byName[string(key)]; !ok {
				return false
			}
		}
		if seen&(1<<fi) != 0 {
			return false
		}
		seen |= 1 << fi
		next = fi + 1
		f := &p.fields[fi]
		end, ok := f.set(&c, to+2, v.Field(f.index))
		if !ok || end >= len(data) {
			return false
		}
		switch data[end] {
		case ',':
			i = end + 1
		case '}':
			return end+1 == len(data)
		default:
			return false
		}
	}
}

// oneCopy hands out strings of parts of data that share one copy of it: a
// decoded event's strings cost one allocation rather than one each.
type oneCopy struct {
	data []byte
	s    string
}

func (c *oneCopy) str(from, to int) string {
	if c.s == "" {
		c.s = string(c.data)
	}
	return c.s[from:to]
}

// set sets fv from the value at c.data[start:] and returns the index after
// it.
func (f *flatField) set(c *oneCopy, start int, fv reflect.Value) (int, bool) {
	data := c.data
	switch f.kind {
	case flatString:
		from, to, ok := plainString(data, start)
		if !ok {
			return 0, false
		}
		fv.SetString(c.str(from, to))
		return to + 1, true
	case flatTime:
		_, to, ok := plainString(data, start)
		if !ok || fv.Addr().Interface().(*time.Time).UnmarshalJSON(data[start:to+1]) != nil {
			return 0, false
		}
		return to + 1, true
	case flatBool:
		switch {
		case hasLiteral(data, start, "true"):
			fv.SetBool(true)
			return start + 4, true
		case hasLiteral(data, start, "false"):
			fv.SetBool(false)
			return start + 5, true
		}
		return 0, false
	}
	neg, mag, end, ok := plainInteger(data, start)
	if !ok {
		return 0, false
	}
	if f.kind == flatUint {
		if neg || f.bits < 64 && mag >= 1<<f.bits {
			return 0, false
		}
		fv.SetUint(mag)
		return end, true
	}
	limit := uint64(1) << (f.bits - 1) // of the magnitude: -limit … limit-1
	if neg && mag > limit || !neg && mag >= limit {
		return 0, false
	}
	n := int64(mag)
	if neg {
		n = -n // mag = limit gives the smallest integer
	}
	fv.SetInt(n)
	return end, true
}

func hasLiteral(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

// plainInteger reads the JSON number at data[i] when it is an integer
// without fraction or exponent whose magnitude fits in a uint64: its sign,
// its magnitude and the index after it.
func plainInteger(data []byte, i int) (neg bool, mag uint64, end int, ok bool) {
	if i < len(data) && data[i] == '-' {
		neg = true
		i++
	}
	first := i
	for ; i < len(data) && data[i] >= '0' && data[i] <= '9'; i++ {
		d := uint64(data[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			return false, 0, 0, false
		}
		mag = mag*10 + d
	}
	switch {
	case i == first, data[first] == '0' && i-first > 1:
		return false, 0, 0, false // no digit, or a leading zero
	case i < len(data) && (data[i] == '.' || data[i] == 'e' || data[i] == 'E'):
		return false, 0, 0, false
	}
	return neg, mag, i, true
}

// plainString finds the JSON string starting at data[i]: its contents are
// data[from:to] and its closing quote data[to]. ok is false when there is
// none, or when it has an escape or a control character or is not valid
// UTF-8. It looks at eight bytes at a time while none of them is a quote, a
// backslash, a control character or beyond ASCII.
func plainString(data []byte, i int) (from, to int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, 0, false
	}
	from = i + 1
	ascii := true
	j := from
	for {
		for j+8 <= len(data) && !special(binary.LittleEndian.Uint64(data[j:])) {
			j += 8
		}
		// Byte by byte to the end of the word that has a special byte.
		for stop := min(j+8, len(data)); j < stop; j++ {
			switch c := data[j]; {
			case c == '"':
				return from, j, ascii || utf8.Valid(data[from:j])
			case c == '\\' || c < 0x20:
				return 0, 0, false
			case c >= utf8.RuneSelf:
				ascii = false
			}
		}
		if j >= len(data) {
			return 0, 0, false
		}
	}
}

// special reports whether one of the eight bytes of x may be a quote, a
// backslash, a control character or beyond ASCII (it may report true for
// none: the byte loop decides).
func special(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return ((quote-ones)&^quote|(backslash-ones)&^backslash|(x-ones*0x20)&^x|x)&highs != 0
}
