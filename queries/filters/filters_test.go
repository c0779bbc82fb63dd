package filters

import (
	"slices"
	"testing"
	"time"
)

func TestSQL(t *testing.T) {
	cols := Columns{"id": "t.id", "title": "t.title", "at": "t.created_at"}
	at := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	p := Page{Conds: []Cond{
		{Field: "id", Op: In, Values: []any{int64(1), int64(2)}},
		{Field: "title", Op: Contains, Values: []any{"燈'; DROP TABLE x;--"}},
		{Field: "at", Op: Gte, Values: []any{at}},
	}, Order: []Order{{Field: "at", Desc: true}}}
	where, order, args, err := p.SQL(cols, []any{int64(7)}, "t.id DESC")
	if err != nil {
		t.Fatal(err)
	}
	if want := " AND t.id = ANY($2) AND strpos(t.title, $3) > 0 AND t.created_at >= $4"; where != want {
		t.Errorf("where: %q", where)
	}
	if order != "t.created_at DESC, t.id DESC" {
		t.Errorf("order: %q", order)
	}
	if len(args) != 4 || !slices.Equal(args[1].([]int64), []int64{1, 2}) || args[2] != "燈'; DROP TABLE x;--" {
		t.Errorf("args: %v", args)
	}
	for name, bad := range map[string]Page{
		"unknown field":    {Conds: []Cond{{Field: "password", Op: Exact, Values: []any{"x"}}}},
		"unknown operator": {Conds: []Cond{{Field: "id", Op: "regex", Values: []any{"x"}}}},
		"no value":         {Conds: []Cond{{Field: "id", Op: Exact}}},
		"unknown order":    {Order: []Order{{Field: "password"}}},
	} {
		if _, _, _, err := bad.SQL(cols, nil, ""); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
