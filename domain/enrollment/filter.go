// Package enrollment holds 001's enrollment records' pure parts. This file is
// the clock-in filter language admins type in "报名记录" (e.g. "签到了但未签退":
// enrolled users who clocked in at 签到 but not at 签退).
//
// Grammar, from loosest to tightest binding:
//
//	expr    = and { "或" and }                 OR
//	and     = unary { ["且"] unary }           AND; the "且" may be left out only
//	                                           between a label and a following "未"
//	unary   = "未" unary | primary             NOT binds tightest
//	primary = label | open expr close
//	open    = "(" | "（"      close = ")" | "）"  (half and full width mix freely)
//
// Spaces (any Unicode white space), "了" and "但" are removed before the
// expression is read, so "签 到" is the label "签到". Every other maximal run of
// characters that are not operators or parentheses is a clock-in label,
// matched exactly. A label directly followed by "未" gets an implicit AND
// ("签到未签退" = "签到 且 未签退"). An empty expression matches every record;
// a malformed one (an operator without an operand, unbalanced parentheses,
// two labels in a row, nesting deeper than MaxDepth) matches none.
package enrollment

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// MaxDepth bounds the nesting of parentheses and 未, so that no expression can
// exhaust the stack.
const MaxDepth = 64

// MaxLength bounds the expression's length in runes.
const MaxLength = 1000

// ErrMalformed reports an expression that cannot be read.
var ErrMalformed = errors.New("enrollment: malformed filter expression")

// Filter is a compiled filter expression.
type Filter struct {
	root node // nil: matches everything
	bad  bool // malformed: matches nothing
	err  error
}

// Match reports whether a record whose clock-ins carry the labels matches.
func (f Filter) Match(labels map[string]bool) bool {
	if f.bad {
		return false
	}
	if f.root == nil {
		return true
	}
	return f.root.eval(labels)
}

// MatchLabels is Match over a list of labels.
func (f Filter) MatchLabels(labels ...string) bool {
	set := make(map[string]bool, len(labels))
	for _, l := range labels {
		set[l] = true
	}
	return f.Match(set)
}

// Err is why the expression is malformed (nil when it is not).
func (f Filter) Err() error { return f.err }

// String renders the expression in canonical form (for logs and tests):
// labels as is, NOT as "!", AND as "&", OR as "|", fully parenthesised.
func (f Filter) String() string {
	switch {
	case f.bad:
		return "<malformed>"
	case f.root == nil:
		return "<all>"
	}
	return f.root.String()
}

// Compile reads an expression. It never fails: a malformed expression gives
// a Filter that matches nothing (see Err).
func Compile(expr string) Filter {
	f, err := Parse(expr)
	if err != nil {
		return Filter{bad: true, err: err}
	}
	return f
}

// Parse reads an expression, reporting a malformed one as an error matching
// ErrMalformed.
func Parse(expr string) (Filter, error) {
	if n := len([]rune(expr)); n > MaxLength {
		return Filter{}, fmt.Errorf("%w: longer than %d characters", ErrMalformed, MaxLength)
	}
	toks := tokenize(expr)
	if len(toks) == 0 {
		return Filter{}, nil
	}
	p := parser{toks: toks}
	root, err := p.expr(0)
	if err != nil {
		return Filter{}, err
	}
	if p.pos < len(p.toks) {
		return Filter{}, fmt.Errorf("%w: unexpected %s", ErrMalformed, p.toks[p.pos])
	}
	return Filter{root: root}, nil
}

type tokKind uint8

const (
	tLabel tokKind = iota
	tNot
	tAnd
	tOr
	tOpen
	tClose
)

type token struct {
	kind  tokKind
	label string
}

func (t token) String() string {
	switch t.kind {
	case tNot:
		return `"未"`
	case tAnd:
		return `"且"`
	case tOr:
		return `"或"`
	case tOpen:
		return `"("`
	case tClose:
		return `")"`
	}
	return fmt.Sprintf("label %q", t.label)
}

func ignored(r rune) bool { return unicode.IsSpace(r) || r == '了' || r == '但' }

func operator(r rune) (tokKind, bool) {
	switch r {
	case '未':
		return tNot, true
	case '且':
		return tAnd, true
	case '或':
		return tOr, true
	case '(', '（':
		return tOpen, true
	case ')', '）':
		return tClose, true
	}
	return 0, false
}

// tokenize drops the ignored characters, splits the rest into operators and
// labels, and inserts the implicit AND between a label and a following 未.
func tokenize(expr string) []token {
	var toks []token
	var label strings.Builder
	flush := func() {
		if label.Len() > 0 {
			toks = append(toks, token{kind: tLabel, label: label.String()})
			label.Reset()
		}
	}
	for _, r := range expr {
		if ignored(r) {
			continue
		}
		k, ok := operator(r)
		if !ok {
			label.WriteRune(r)
			continue
		}
		flush()
		if k == tNot && len(toks) > 0 && toks[len(toks)-1].kind == tLabel {
			toks = append(toks, token{kind: tAnd})
		}
		toks = append(toks, token{kind: k})
	}
	flush()
	return toks
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

func (p *parser) expr(depth int) (node, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			return left, nil
		}
		p.pos++
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = or{left, right}
	}
}

func (p *parser) and(depth int) (node, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tAnd {
			return left, nil
		}
		p.pos++
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = and{left, right}
	}
}

func (p *parser) unary(depth int) (node, error) {
	if depth >= MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)
	}
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("%w: missing operand at the end", ErrMalformed)
	}
	switch t.kind {
	case tNot:
		p.pos++
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return not{x}, nil
	case tLabel:
		p.pos++
		return label(t.label), nil
	case tOpen:
		p.pos++
		x, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c, ok := p.peek(); !ok || c.kind != tClose {
			return nil, fmt.Errorf("%w: unclosed parenthesis", ErrMalformed)
		}
		p.pos++
		return x, nil
	}
	return nil, fmt.Errorf("%w: unexpected %s", ErrMalformed, t)
}

type node interface {
	eval(labels map[string]bool) bool
	String() string
}

type label string
type not struct{ x node }
type and struct{ l, r node }
type or struct{ l, r node }

func (n label) eval(s map[string]bool) bool { return s[string(n)] }
func (n not) eval(s map[string]bool) bool   { return !n.x.eval(s) }
func (n and) eval(s map[string]bool) bool   { return n.l.eval(s) && n.r.eval(s) }
func (n or) eval(s map[string]bool) bool    { return n.l.eval(s) || n.r.eval(s) }

func (n label) String() string { return string(n) }
func (n not) String() string   { return "!" + n.x.String() }
func (n and) String() string   { return "(" + n.l.String() + " & " + n.r.String() + ")" }
func (n or) String() string    { return "(" + n.l.String() + " | " + n.r.String() + ")" }
