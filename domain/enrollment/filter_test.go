package enrollment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fiveapis/backend/domain/enrollment"
)

func TestParse(t *testing.T) {
	tests := []struct {
		expr string
		want string // canonical form; "" for malformed
	}{
		{"", "<all>"},
		{"   ", "<all>"},
		{"了但 ", "<all>"},
		{"签到", "签到"},
		{"签 到", "签到"},
		{"签到了但未签退", "(签到 & !签退)"},
		{"签到未签退", "(签到 & !签退)"},
		{"签到 且 未签退", "(签到 & !签退)"},
		{"未签到", "!签到"},
		{"未未签到", "!!签到"},
		{"签到或签退", "(签到 | 签退)"},
		// AND binds tighter than OR; NOT tighter than AND.
		{"a或b且c", "(a | (b & c))"},
		{"a且b或c", "((a & b) | c)"},
		{"未a且b", "(!a & b)"},
		{"未a或b", "(!a | b)"},
		{"a或未b且c", "(a | (!b & c))"},
		// Parentheses, half and full width, mixed.
		{"(a或b)且c", "((a | b) & c)"},
		{"（a或b）且c", "((a | b) & c)"},
		{"(a或b）且c", "((a | b) & c)"},
		{"未(a或b)", "!(a | b)"},
		{"未（签到 或 签退）", "!(签到 | 签退)"},
		{"((a))", "a"},
		// The implicit AND only between a label and 未.
		{"a未b或c", "((a & !b) | c)"},
		{"a未b未c", "((a & !b) & !c)"},
		// Malformed.
		{"且", ""},
		{"a且", ""},
		{"或a", ""},
		{"未", ""},
		{"a未", ""},
		{"(a", ""},
		{"a)", ""},
		{"()", ""},
		{"a(b)", ""},
		{"(a)b", ""},
		{"(a)未b", ""},
		{"a或或b", ""},
		{strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100), ""},
		{strings.Repeat("未", 100) + "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := enrollment.Parse(tt.expr)
			if tt.want == "" {
				if !errors.Is(err, enrollment.ErrMalformed) {
					t.Fatalf("Parse(%q) = %s, %v; want malformed", tt.expr, f, err)
				}
				c := enrollment.Compile(tt.expr)
				if c.Err() == nil || c.MatchLabels() || c.MatchLabels("a", "b", "签到") {
					t.Errorf("Compile(%q) matches, want nothing", tt.expr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			if got := f.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	records := map[string][]string{
		"none": nil,
		"in":   {"签到"},
		"out":  {"签退"},
		"both": {"签到", "签退"},
	}
	tests := []struct {
		expr string
		want []string // records that match
	}{
		{"", []string{"none", "in", "out", "both"}},
		{"签到", []string{"in", "both"}},
		{"签到了但未签退", []string{"in"}},
		{"未签到", []string{"none", "out"}},
		{"签到 或 签退", []string{"in", "out", "both"}},
		{"签到且签退", []string{"both"}},
		{"未(签到或签退)", []string{"none"}},
		{"未签到且未签退或签到且签退", []string{"none", "both"}},
		// Exact labels: no substring matches.
		{"签", nil},
		{"签到退", nil},
		// Malformed matches nothing.
		{"签到且", nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f := enrollment.Compile(tt.expr)
			want := map[string]bool{}
			for _, r := range tt.want {
				want[r] = true
			}
			for name, labels := range records {
				if got := f.MatchLabels(labels...); got != want[name] {
					t.Errorf("%q on %s %v = %v, want %v", tt.expr, name, labels, got, want[name])
				}
			}
		})
	}
}

func TestTooLong(t *testing.T) {
	if _, err := enrollment.Parse(strings.Repeat("a或", 600) + "a"); !errors.Is(err, enrollment.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	if _, err := enrollment.Parse(strings.Repeat("a或", 400) + "a"); err != nil {
		t.Fatalf("err = %v", err)
	}
}

// FuzzCompile checks that no expression makes the filter panic, that an
// expression either parses or is reported malformed, and that a parsed one
// reads back the same from its canonical form's meaning on a few records.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		"", " ", "签到", "签到了但未签退", "未签到", "a或b且c", "（a或b）且未c", "(a)", "((", "))", "未未未",
		"a未b未c", "且或未", "签到 且 （签退 或 未 离场）", "\u3000签到\t", "\xff\xfe", "a(b)c", "（）",
		strings.Repeat("(", 70) + "x" + strings.Repeat(")", 70), strings.Repeat("未", 70) + "x",
	} {
		f.Add(seed, "签到")
	}
	f.Fuzz(func(t *testing.T, expr, label string) {
		flt := enrollment.Compile(expr)
		_ = flt.String()
		got := flt.MatchLabels(label)
		_ = flt.MatchLabels()
		if flt.Err() != nil {
			if !errors.Is(flt.Err(), enrollment.ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", flt.Err())
			}
			if got {
				t.Fatalf("malformed %q matched", expr)
			}
			return
		}
		p, err := enrollment.Parse(expr)
		if err != nil {
			t.Fatalf("Compile accepted %q, Parse did not: %v", expr, err)
		}
		if p.MatchLabels(label) != got {
			t.Fatalf("Parse and Compile disagree on %q", expr)
		}
	})
}
