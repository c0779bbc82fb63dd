package codec

import (
	"testing"
)

func TestWithoutNUL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"a":"plain"}`, `{"a":"plain"}`},
		{`{"a":"x\u0000y","n":12345678901234567890}`, `{"a":"xy","n":12345678901234567890}`},
		{`{"deep":{"list":["\u0000",{"k\u0000":"v"}]}}`, `{"deep":{"list":["",{"k":"v"}]}}`},
		{`{"a":"a backslash: \\u0000 is text"}`, `{"a":"a backslash: \\u0000 is text"}`},
		{`{"k":"\u0000","k":""}`, `{"k":""}`}, // a key given twice: the last value counts, as in jsonb
		{`{"a":"x","\u0000":1}`, `{"":1,"a":"x"}`},
	} {
		got, err := withoutNUL([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("withoutNUL(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}
