package cards

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatisticsFilter selects the statistics (002 §7.1): a range of UTC dates
// (inclusive) and optionally one category.
type StatisticsFilter struct {
	StartDate time.Time
	EndDate   time.Time
	Category  *string
}

// Period is the statistics' date range.
type Period struct {
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

// Summary totals the statistics.
type Summary struct {
	TotalCards  int64   `json:"total_cards"`
	UsedCards   int64   `json:"used_cards"`
	UsageRate   float64 `json:"usage_rate"`
	UniqueUsers int64   `json:"unique_users"`
}

// CategoryUsage is one category's line.
type CategoryUsage struct {
	Total     int64   `json:"total"`
	Used      int64   `json:"used"`
	UsageRate float64 `json:"usage_rate"`
}

// DailyUsage is the uses of one day.
type DailyUsage struct {
	Date  string `json:"date"`
	Count int64  `json:"count"`
}

// Statistics is the answer of 002 §7.1.
type Statistics struct {
	Period     Period                   `json:"period"`
	Summary    Summary                  `json:"summary"`
	ByCategory map[string]CategoryUsage `json:"by_category"`
	DailyUsage []DailyUsage             `json:"daily_usage"`
}

// Categories are the categories the statistics always list.
var Categories = []string{"dance", "song", "clothing", "game"}

// Statistics computes the statistics from the card_usage read model alone, in
// one snapshot, so they describe one prefix of the event log exactly:
//
//   - total_cards: cards of the batches created on or before end_date and not
//     deleted;
//   - used_cards: uses of those cards between start_date and end_date (so it
//     equals the sum of daily_usage, which lists every day of the range);
//   - unique_users: distinct users among those uses;
//   - usage_rate: used / total × 100, rounded to two decimals (0 without cards).
//
// Every number comes from the tables of live batches: category_totals (per
// category and creation day), daily_category_usage (per day, category and
// creation day) and daily_category_users (the same per user), never from the
// per-card rows of used_cards nor from a row per batch, so the answer costs
// the same for a thousand or a million uses, and for ten or ten thousand
// batches (see statisticsQueries for the read models before).
func (q *Queries) Statistics(ctx context.Context, f StatisticsFilter) (Statistics, error) {
	start, end := f.StartDate.Format("2006-01-02"), f.EndDate.Format("2006-01-02")
	out := Statistics{Period: Period{StartDate: start, EndDate: end}, ByCategory: map[string]CategoryUsage{}, DailyUsage: []DailyUsage{}}
	cats := Categories
	if f.Category != nil {
		cats = []string{*f.Category}
	}
	for _, c := range cats {
		out.ByCategory[c] = CategoryUsage{}
	}
	err := q.snapshot(ctx, func(tx pgx.Tx) error {
		sq, err := q.statisticsQueries(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, sq.total, start, end, f.Category)
		if err != nil {
			return fmt.Errorf("total cards: %w", err)
		}
		if err := collectCategory(rows, out.ByCategory, func(c *CategoryUsage, n int64) { c.Total = n }); err != nil {
			return fmt.Errorf("total cards: %w", err)
		}
		if rows, err = tx.Query(ctx, sq.used, start, end, f.Category); err != nil {
			return fmt.Errorf("used cards: %w", err)
		}
		if err := collectCategory(rows, out.ByCategory, func(c *CategoryUsage, n int64) { c.Used = n }); err != nil {
			return fmt.Errorf("used cards: %w", err)
		}
		if err := tx.QueryRow(ctx, sq.users, start, end, f.Category).Scan(&out.Summary.UniqueUsers); err != nil {
			return fmt.Errorf("unique users: %w", err)
		}
		if rows, err = tx.Query(ctx, sq.daily, start, end, f.Category); err != nil {
			return fmt.Errorf("daily usage: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var d DailyUsage
			if err := rows.Scan(&d.Date, &d.Count); err != nil {
				return fmt.Errorf("daily usage: %w", err)
			}
			out.DailyUsage = append(out.DailyUsage, d)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("daily usage: %w", err)
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("statistics: %w", err)
	}
	for c, u := range out.ByCategory {
		u.UsageRate = rate(u.Used, u.Total)
		out.ByCategory[c] = u
		out.Summary.TotalCards += u.Total
		out.Summary.UsedCards += u.Used
	}
	out.Summary.UsageRate = rate(out.Summary.UsedCards, out.Summary.TotalCards)
	return out, nil
}

func collectCategory(rows pgx.Rows, into map[string]CategoryUsage, set func(*CategoryUsage, int64)) error {
	defer rows.Close()
	for rows.Next() {
		var (
			c string
			n int64
		)
		if err := rows.Scan(&c, &n); err != nil {
			return err
		}
		u := into[c]
		set(&u, n)
		into[c] = u
	}
	return rows.Err()
}

func rate(used, total int64) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(used)*10000/float64(total)) / 100
}

// statisticsQueries are the four queries of Statistics, each over a date
// range ($1..$2, inclusive) and a category ($3, or NULL for all): the cards
// of the live batches created by $2 per category (total), their uses in the
// range per category (used), their distinct users (users), and their uses
// per day of the range, every day listed (daily).
type statisticsQueries struct {
	total, used, users, daily string
}

// statisticsQueries returns the queries for the read model that serves.
//
// They read only the tables of live batches, whose rows follow the days,
// categories, batch creation days (and users), not the batches:
// category_totals, daily_category_usage and daily_category_users, of
// card_usage since its version 3 (liveStatistics). Before, the statistics
// had a projector of their own, card_stats; while card_usage version 3 is
// built after an upgrade (newerTable), they read what card_stats has: the
// same tables since its version 4, else batch_totals and daily_usage joined
// to the batches, and the users from daily_category_users (version 3),
// daily_user_usage (version 2) or the per-card usage rows (version 1).
func (q *Queries) statisticsQueries(ctx context.Context, tx pgx.Tx) (statisticsQueries, error) {
	for _, t := range []struct {
		table  *newerTable
		schema string
	}{{&q.usageStats, UsageSchema}, {&q.categoryUses, LegacyStatsSchema}} {
		found, err := t.table.exists(ctx, tx)
		if err != nil {
			return statisticsQueries{}, err
		}
		if found {
			return liveStatistics(t.schema), nil
		}
	}
	const live = `b.is_deleted = false AND b.created_on <= $2::date AND ($3::text IS NULL OR b.category = $3)`
	users, err := q.uniqueUsersQuery(ctx, tx, live)
	if err != nil {
		return statisticsQueries{}, err
	}
	return statisticsQueries{
		total: `
SELECT b.category, sum(b.total)::bigint FROM ` + LegacyStatsSchema + `.batch_totals b WHERE $1::date <= $2::date AND ` + live + ` GROUP BY b.category`,
		used: `
SELECT d.category, sum(d.count)::bigint FROM ` + LegacyStatsSchema + `.daily_usage d
  JOIN ` + LegacyStatsSchema + `.batch_totals b ON b.batch_id = d.batch_id
 WHERE d.day BETWEEN $1::date AND $2::date AND ` + live + ` GROUP BY d.category`,
		users: users,
		daily: `
SELECT to_char(g.day, 'YYYY-MM-DD'), coalesce(sum(d.count) FILTER (WHERE b.batch_id IS NOT NULL), 0)::bigint
  FROM generate_series($1::date, $2::date, interval '1 day') AS g(day)
  LEFT JOIN ` + LegacyStatsSchema + `.daily_usage d ON d.day = g.day::date
  LEFT JOIN ` + LegacyStatsSchema + `.batch_totals b ON b.batch_id = d.batch_id AND ` + live + `
 GROUP BY g.day ORDER BY g.day`,
	}, nil
}

// liveStatistics are the queries over the tables of live batches in schema.
func liveStatistics(schema string) statisticsQueries {
	return statisticsQueries{
		total: `
SELECT t.category, sum(t.total)::bigint FROM ` + schema + `.category_totals t
 WHERE $1::date <= $2::date AND t.created_on <= $2::date AND ($3::text IS NULL OR t.category = $3)
 GROUP BY t.category`,
		used: `
SELECT c.category, sum(c.count)::bigint FROM ` + schema + `.daily_category_usage c
 WHERE c.day BETWEEN $1::date AND $2::date AND c.created_on <= $2::date AND ($3::text IS NULL OR c.category = $3)
 GROUP BY c.category`,
		users: categoryUsersQuery(schema),
		daily: `
SELECT to_char(g.day, 'YYYY-MM-DD'), coalesce(sum(c.count), 0)::bigint
  FROM generate_series($1::date, $2::date, interval '1 day') AS g(day)
  LEFT JOIN ` + schema + `.daily_category_usage c
    ON c.day = g.day::date AND c.created_on <= $2::date AND ($3::text IS NULL OR c.category = $3)
 GROUP BY g.day ORDER BY g.day`,
	}
}

// categoryUsersQuery counts the distinct users of the uses of live batches
// from daily_category_users in schema (card_usage, or card_stats version 3
// and later), one row per day, category, user and batch creation day.
func categoryUsersQuery(schema string) string {
	return `
SELECT count(DISTINCT c.user_id) FROM ` + schema + `.daily_category_users c
 WHERE c.day BETWEEN $1::date AND $2::date AND c.count > 0 AND c.created_on <= $2::date
   AND ($3::text IS NULL OR c.category = $3)`
}

// uniqueUsersQuery returns the query counting the distinct users of the uses
// of a date range ($1..$2) of the live batches (live, over b; $3 the
// category or NULL) for the versions before 4: from daily_category_users
// (version 3), from daily_user_usage (per day, batch and user) joined to the
// batches (version 2), or from the per-card usage rows (version 1).
func (q *Queries) uniqueUsersQuery(ctx context.Context, tx pgx.Tx, live string) (string, error) {
	perCategory, err := q.categoryUsers.exists(ctx, tx)
	if err != nil {
		return "", err
	}
	if perCategory {
		return categoryUsersQuery(LegacyStatsSchema), nil
	}
	perDay, err := q.perDayUsers.exists(ctx, tx)
	if err != nil {
		return "", err
	}
	if perDay {
		return `
SELECT count(DISTINCT u.user_id) FROM ` + LegacyStatsSchema + `.daily_user_usage u
  JOIN ` + LegacyStatsSchema + `.batch_totals b ON b.batch_id = u.batch_id
 WHERE u.day BETWEEN $1::date AND $2::date AND ` + live, nil
	}
	return `
SELECT count(DISTINCT u.user_id) FROM ` + LegacyStatsSchema + `.usage u
  JOIN ` + LegacyStatsSchema + `.batch_totals b ON b.batch_id = u.batch_id
 WHERE u.used_on BETWEEN $1::date AND $2::date AND ` + live, nil
}
