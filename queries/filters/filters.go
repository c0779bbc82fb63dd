// Package filters is a list query as a client asked for it (conditions on
// named fields, an order, a window), turned into SQL over a whitelist of
// columns: the APIs' dialects parse their query strings into a Page
// (tastypie's field__op=value for 003), and a query package says which
// fields map to which columns.
package filters

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Operators of a condition.
const (
	Exact    = "exact"
	In       = "in"
	Gt       = "gt"
	Gte      = "gte"
	Lt       = "lt"
	Lte      = "lte"
	Contains = "contains"
)

// Cond is one condition: Field Op Values (one value except for In).
// Values are int64, bool, string or time.Time, as the field's type.
type Cond struct {
	Field  string
	Op     string
	Values []any
}

// Order is one key of the order.
type Order struct {
	Field string
	Desc  bool
}

// Page is a list query.
type Page struct {
	Conds  []Cond
	Order  []Order
	Limit  int
	Offset int
}

// Columns maps the fields a query accepts to SQL expressions.
type Columns map[string]string

// SQL returns the conditions as " AND …" clauses and the order as an
// ORDER BY list (tiebreak appended), numbering parameters after the args
// given; an unknown field is an error (the dialects check fields first).
func (p Page) SQL(cols Columns, args []any, tiebreak string) (where, orderBy string, out []any, err error) {
	var b strings.Builder
	out = args
	param := func(v any) string {
		out = append(out, v)
		return "$" + strconv.Itoa(len(out))
	}
	for _, c := range p.Conds {
		col, ok := cols[c.Field]
		if !ok || len(c.Values) == 0 {
			return "", "", nil, fmt.Errorf("filters: field %q cannot be filtered", c.Field)
		}
		switch c.Op {
		case Exact:
			fmt.Fprintf(&b, " AND %s = %s", col, param(c.Values[0]))
		case In:
			fmt.Fprintf(&b, " AND %s = ANY(%s)", col, param(array(c.Values)))
		case Gt, Gte, Lt, Lte:
			op := map[string]string{Gt: ">", Gte: ">=", Lt: "<", Lte: "<="}[c.Op]
			fmt.Fprintf(&b, " AND %s %s %s", col, op, param(c.Values[0]))
		case Contains:
			fmt.Fprintf(&b, " AND strpos(%s, %s) > 0", col, param(c.Values[0]))
		default:
			return "", "", nil, fmt.Errorf("filters: operator %q", c.Op)
		}
	}
	var keys []string
	for _, o := range p.Order {
		col, ok := cols[o.Field]
		if !ok {
			return "", "", nil, fmt.Errorf("filters: field %q cannot order", o.Field)
		}
		if o.Desc {
			col += " DESC"
		}
		keys = append(keys, col)
	}
	if tiebreak != "" {
		keys = append(keys, tiebreak)
	}
	return b.String(), strings.Join(keys, ", "), out, nil
}

// array makes a typed array of values of one type (pgx encodes typed
// slices).
func array(vs []any) any {
	switch vs[0].(type) {
	case int64:
		a := make([]int64, 0, len(vs))
		for _, v := range vs {
			a = append(a, v.(int64))
		}
		return a
	case bool:
		a := make([]bool, 0, len(vs))
		for _, v := range vs {
			a = append(a, v.(bool))
		}
		return a
	case time.Time:
		a := make([]time.Time, 0, len(vs))
		for _, v := range vs {
			a = append(a, v.(time.Time))
		}
		return a
	}
	a := make([]string, 0, len(vs))
	for _, v := range vs {
		a = append(a, fmt.Sprint(v))
	}
	return a
}
