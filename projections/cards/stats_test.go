package cards_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	cardscmd "github.com/fiveapis/backend/commands/cards"
	"github.com/fiveapis/backend/domain/cards"
	cardsq "github.com/fiveapis/backend/queries/cards"
)

// statsRows are the card_usage rows a brute-force statistics is computed
// from: every used card (used_cards) and every batch (batch_totals).
type statsRows struct {
	uses    []statsUse
	batches map[int64]statsBatch
}

// statsUse is a row of card_usage.used_cards.
type statsUse struct {
	batch, user int64
	category    string
	day         time.Time
}

// statsBatch is a row of card_usage.batch_totals.
type statsBatch struct {
	category  string
	total     int64
	createdOn time.Time
	deleted   bool
}

func readStatsRows(t *testing.T, h *harness) statsRows {
	t.Helper()
	ctx := context.Background()
	out := statsRows{batches: map[int64]statsBatch{}}
	rows, err := h.pool.Query(ctx, `SELECT batch_id, category, user_id, (used_at AT TIME ZONE 'UTC')::date FROM card_usage.used_cards`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u statsUse
		if err := rows.Scan(&u.batch, &u.category, &u.user, &u.day); err != nil {
			t.Fatal(err)
		}
		out.uses = append(out.uses, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, err = h.pool.Query(ctx, `SELECT batch_id, category, total, created_on, is_deleted FROM card_usage.batch_totals`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			id int64
			b  statsBatch
		)
		if err := rows.Scan(&id, &b.category, &b.total, &b.createdOn, &b.deleted); err != nil {
			t.Fatal(err)
		}
		out.batches[id] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// bruteStatistics computes the statistics of 002 §7.1 the slow, obvious way,
// one used card at a time, as the first version of the query did in SQL.
func bruteStatistics(r statsRows, f cardsq.StatisticsFilter) cardsq.Statistics {
	rate := func(used, total int64) float64 {
		if total == 0 {
			return 0
		}
		return math.Round(float64(used)*10000/float64(total)) / 100
	}
	out := cardsq.Statistics{
		Period:     cardsq.Period{StartDate: f.StartDate.Format("2006-01-02"), EndDate: f.EndDate.Format("2006-01-02")},
		ByCategory: map[string]cardsq.CategoryUsage{},
		DailyUsage: []cardsq.DailyUsage{},
	}
	cats := cardsq.Categories
	if f.Category != nil {
		cats = []string{*f.Category}
	}
	for _, c := range cats {
		out.ByCategory[c] = cardsq.CategoryUsage{}
	}
	live := func(id int64) bool {
		b, ok := r.batches[id]
		return ok && !b.deleted && !b.createdOn.After(f.EndDate) && (f.Category == nil || b.category == *f.Category)
	}
	for id, b := range r.batches {
		if live(id) {
			c := out.ByCategory[b.category]
			c.Total += b.total
			out.ByCategory[b.category] = c
		}
	}
	perDay := map[time.Time]int64{}
	users := map[int64]bool{}
	for _, u := range r.uses {
		if u.day.Before(f.StartDate) || u.day.After(f.EndDate) || !live(u.batch) {
			continue
		}
		c := out.ByCategory[u.category]
		c.Used++
		out.ByCategory[u.category] = c
		perDay[u.day]++
		users[u.user] = true
	}
	for d := f.StartDate; !d.After(f.EndDate); d = d.AddDate(0, 0, 1) {
		out.DailyUsage = append(out.DailyUsage, cardsq.DailyUsage{Date: d.Format("2006-01-02"), Count: perDay[d]})
	}
	for c, u := range out.ByCategory {
		u.UsageRate = rate(u.Used, u.Total)
		out.ByCategory[c] = u
		out.Summary.TotalCards += u.Total
		out.Summary.UsedCards += u.Used
	}
	out.Summary.UniqueUsers = int64(len(users))
	out.Summary.UsageRate = rate(out.Summary.UsedCards, out.Summary.TotalCards)
	return out
}

// TestStatisticsMatchBruteForce: the statistics computed from the compact
// tables of live batches (category_totals, daily_category_usage,
// daily_category_users) equal a brute-force computation over the per-card
// usage rows, for every date range around a log of several users, days and
// categories with a deleted batch and a use dated before its batch's
// creation, with and without the category filter. Then, as during the
// rebuild after an upgrade from the read model card_stats (versions 4 to 1),
// the query reads card_stats, with version 4's tables, then without them,
// then without daily_category_users, then without daily_user_usage, and
// still answers the same.
func TestStatisticsMatchBruteForce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	tmpl := map[string]int64{}
	for _, c := range cardsq.Categories {
		tmpl[c] = h.template(c, c, nil)
	}
	at := func(d int) { h.clock.Set(day0.AddDate(0, 0, d)) }
	next := map[int64]int64{}
	use := func(b cards.Batch, n int, users ...int) {
		t.Helper()
		for i := range n {
			h.use(b, b.StartID+next[b.ID], users[i%len(users)])
			next[b.ID]++
		}
	}

	at(0)
	a, b := h.batch(tmpl["dance"], 30, true, nil), h.batch(tmpl["song"], 20, true, nil)
	use(a, 6, 1, 2, 3)
	use(b, 4, 4, 5)
	at(1)
	c, d := h.batch(tmpl["clothing"], 15, true, nil), h.batch(tmpl["dance"], 10, true, nil)
	use(a, 3, 1, 6)
	use(c, 5, 2, 7)
	use(d, 2, 8)
	at(2)
	e := h.batch(tmpl["song"], 10, true, nil)
	use(b, 3, 9) // users 5 and 9 used only b, which is deleted next
	use(e, 2, 4)
	use(d, 3, 1, 2, 3)
	r, err := h.h.DeleteBatch(ctx, cardscmd.DeleteBatch{Actor: adminActor, BatchID: b.ID})
	h.saw(r.Position, err)
	at(4)
	use(a, 2, 10)
	use(c, 2, 6)
	use(e, 1, 11)
	h.batch(tmpl["game"], 5, true, nil)
	// A batch created on day 5 and used with a clock a day behind: the use
	// is of day 4, and the statistics count it only up to an end date that
	// includes its batch's creation.
	at(5)
	g := h.batch(tmpl["game"], 5, true, nil)
	at(4)
	use(g, 1, 12)
	h.sync()

	for _, table := range []string{"daily_user_usage", "daily_category_users", "category_totals", "daily_category_usage"} {
		var found bool
		if err := h.pool.QueryRow(ctx, `SELECT to_regclass('card_usage.'||$1) IS NOT NULL`, table).Scan(&found); err != nil || !found {
			t.Fatalf("card_usage.%s missing (%v)", table, err)
		}
	}
	rows := readStatsRows(t, h)
	if len(rows.uses) != 34 || len(rows.batches) != 7 {
		t.Fatalf("read model holds %d uses and %d batches, want 34 and 7", len(rows.uses), len(rows.batches))
	}
	var filters []cardsq.StatisticsFilter
	for from := -1; from <= 5; from++ {
		for to := from; to <= 5; to++ {
			for _, cat := range append([]*string{nil}, str("dance"), str("song"), str("clothing"), str("game")) {
				filters = append(filters, cardsq.StatisticsFilter{
					StartDate: day(day0.AddDate(0, 0, from)), EndDate: day(day0.AddDate(0, 0, to)), Category: cat})
			}
		}
	}
	check := func(how string, q *cardsq.Queries) {
		t.Helper()
		for _, f := range filters {
			got, err := q.Statistics(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if diff := cmp.Diff(bruteStatistics(rows, f), got); diff != "" {
				cat := "(all)"
				if f.Category != nil {
					cat = *f.Category
				}
				t.Errorf("%s, %s..%s, category %s (-brute +got):\n%s", how, got.Period.StartDate, got.Period.EndDate, cat, diff)
			}
		}
	}
	check("card_usage", h.q)
	all := bruteStatistics(rows, cardsq.StatisticsFilter{StartDate: day(day0), EndDate: day(day0.AddDate(0, 0, 4))})
	if all.Summary.UniqueUsers != 9 || all.Summary.UsedCards != 26 {
		t.Errorf("brute force up to day 4: %+v, want 9 users (5 and 9 used only the deleted batch, 12 only the batch of day 5) and 26 uses", all.Summary)
	}
	if all := bruteStatistics(rows, cardsq.StatisticsFilter{StartDate: day(day0), EndDate: day(day0.AddDate(0, 0, 5))}); all.Summary.UniqueUsers != 10 {
		t.Errorf("brute force up to day 5: %+v, want 10 users", all.Summary)
	}
	// The deletion left its users' rows at 0 (they used only the batch),
	// and its day's rows of song batches created on day 0 (b was the only
	// one).
	for table, cond := range map[string]string{
		"daily_category_users": "count = 0",
		"daily_category_usage": "count = 0 AND category = 'song'",
		"category_totals":      "total = 0 AND category = 'song'",
	} {
		var zero int
		if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM card_usage.`+table+` WHERE `+cond).Scan(&zero); err != nil || zero == 0 {
			t.Errorf("%s: rows emptied by the deletion (%s): %d (%v), want some", table, cond, zero, err)
		}
	}

	// An upgrade from before card_usage version 3: while it is built, its
	// old version serves without the statistics' tables, and the
	// statistics come from card_stats as its version 4, 3, 2 or 1 left
	// them. Stand-in: card_stats's tables as views of the tables of
	// card_usage's generation, and
	// card_usage without category_totals. h.q has found card_usage's
	// tables and does not look again (tables never go back); a process
	// that starts during such an upgrade does.
	var legacy strings.Builder
	legacy.WriteString(`CREATE SCHEMA card_stats;
CREATE VIEW card_stats.usage AS SELECT card_id, batch_id, category, user_id, (used_at AT TIME ZONE 'UTC')::date AS used_on FROM card_usage__g1.used_cards;
`)
	for _, table := range []string{"batch_totals", "daily_usage", "daily_user_usage", "daily_category_users", "category_totals", "daily_category_usage"} {
		fmt.Fprintf(&legacy, "CREATE VIEW card_stats.%[1]s AS SELECT * FROM card_usage__g1.%[1]s;\n", table)
	}
	legacy.WriteString(`DROP VIEW card_usage.category_totals;`)
	if _, err := h.pool.Exec(ctx, legacy.String()); err != nil {
		t.Fatal(err)
	}
	check("card_stats version 4", cardsq.New(h.pool, nil))
	if _, err := h.pool.Exec(ctx, `DROP VIEW card_stats.daily_category_usage; DROP VIEW card_stats.category_totals`); err != nil {
		t.Fatal(err)
	}
	check("fallback to batch_totals, daily_usage and daily_category_users", cardsq.New(h.pool, nil))
	if _, err := h.pool.Exec(ctx, `DROP VIEW card_stats.daily_category_users`); err != nil {
		t.Fatal(err)
	}
	check("fallback to daily_user_usage", cardsq.New(h.pool, nil))
	if _, err := h.pool.Exec(ctx, `DROP VIEW card_stats.daily_user_usage`); err != nil {
		t.Fatal(err)
	}
	check("fallback to usage", cardsq.New(h.pool, nil))
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// TestUserCardCountsMatchBruteForce: the count of a user's card list, summed
// from user_daily_usage, equals a count(*) over the user's used cards for
// every user, category and date range around a log of several users, days
// (one use a minute before a UTC midnight, one at it) and categories. Then,
// with user_daily_usage gone as before an upgrade's rebuild has switched,
// the list counts the rows and answers the same.
func TestUserCardCountsMatchBruteForce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	batches := map[string]cards.Batch{}
	for _, c := range cardsq.Categories {
		batches[c] = h.batch(h.template(c, c, nil), 40, true, nil)
	}
	next := map[int64]int64{}
	use := func(at time.Time, category string, users ...int) {
		t.Helper()
		h.clock.Set(at)
		b := batches[category]
		for _, u := range users {
			h.use(b, b.StartID+next[b.ID], u)
			next[b.ID]++
		}
	}
	use(day0, "dance", 1, 2, 1)
	use(day0, "song", 1, 3)
	use(day(day0).Add(24*time.Hour-time.Minute), "dance", 2) // the last minute of day 0
	use(day(day0).Add(24*time.Hour), "game", 2, 1)           // midnight: day 1
	use(day0.AddDate(0, 0, 1), "clothing", 3, 3, 1)
	use(day0.AddDate(0, 0, 3), "song", 1, 2, 3, 4)
	use(day0.AddDate(0, 0, 3), "dance", 4)
	h.sync()

	var filters []cardsq.UserCardFilter
	for user := int64(1); user <= 5; user++ {
		for from := -1; from <= 4; from++ {
			for to := from - 1; to <= 4; to++ {
				for _, cat := range []*string{nil, str("dance"), str("song"), str("clothing"), str("game")} {
					f := cardsq.UserCardFilter{User: user, Category: cat}
					if from >= 0 {
						s := day(day0.AddDate(0, 0, from))
						f.StartDate = &s
					}
					if to >= from {
						e := day(day0.AddDate(0, 0, to))
						f.EndDate = &e
					}
					filters = append(filters, f)
				}
			}
		}
	}
	brute := func(f cardsq.UserCardFilter) int64 {
		var n int64
		var end *time.Time
		if f.EndDate != nil {
			e := f.EndDate.AddDate(0, 0, 1)
			end = &e
		}
		if err := h.pool.QueryRow(ctx, `
SELECT count(*) FROM card_usage.used_cards
 WHERE user_id = $1 AND ($2::text IS NULL OR category = $2)
   AND ($3::timestamptz IS NULL OR used_at >= $3) AND ($4::timestamptz IS NULL OR used_at < $4)`,
			f.User, f.Category, f.StartDate, end).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	check := func(how string, q *cardsq.Queries) {
		t.Helper()
		for _, f := range filters {
			got, err := q.UserCards(ctx, f, cardsq.Page{Number: 1, Size: 2})
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if want := brute(f); got.Count != want {
				t.Errorf("%s: %+v counts %d, want %d", how, f, got.Count, want)
			}
		}
	}
	check("user_daily_usage", h.q)
	if got, err := h.q.UserCards(ctx, cardsq.UserCardFilter{User: 2}, cardsq.Page{Number: 1, Size: 10}); err != nil || got.Count != 4 {
		t.Fatalf("user 2's cards: %d (%v), want 4", got.Count, err)
	}

	if _, err := h.pool.Exec(ctx, `DROP VIEW card_usage.user_daily_usage`); err != nil {
		t.Fatal(err)
	}
	check("fallback to used_cards", cardsq.New(h.pool, h.coder))
}
