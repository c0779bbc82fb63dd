package hhu_test

import (
	"testing"

	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

func TestAlpha(t *testing.T) {
	a := hhu.NewAlphabet()
	for _, tc := range []struct{ last, name, want string }{
		{"张", "", "Z"}, {"王", "王五", "W"}, {"", "李四", "L"}, {"欧阳", "", "O"}, {"艾", "", "A"}, {"白", "", "B"},
		{"陈", "", "C"}, {"郭", "", "G"}, {"黄", "", "H"}, {"金", "", "J"}, {"孔", "", "K"}, {"牛", "", "N"},
		{"彭", "", "P"}, {"钱", "", "Q"}, {"任", "", "R"}, {"孙", "", "S"}, {"唐", "", "T"}, {"吴", "", "W"},
		{"谢", "", "X"}, {"杨", "", "Y"}, {"赵", "", "Z"}, {"丁", "", "D"}, {"鄂", "", "E"}, {"冯", "", "F"}, {"马", "", "M"},
		{"", "alice Li", "A"}, {"li", "", "L"}, {"", "", "?"}, {"", "  ", "?"}, {"", "9号", "?"}, {"", "Émile", "?"},
	} {
		if got := a.Of(tc.last, tc.name); got != tc.want {
			t.Errorf("Of(%q, %q) = %q, want %q", tc.last, tc.name, got, tc.want)
		}
	}
}
