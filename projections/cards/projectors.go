// Package cards holds the read models of the card system (seed 002), one
// projector per read model; queries/cards documents their design and reads
// them through the views "<projector name>.<table>".
package cards

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fiveapis/backend/projections/engine"
)

// All returns the card projectors.
func All() []engine.Projector {
	return []engine.Projector{Templates{}, Batches{}, Usage{}}
}

// Pipelined tells the engine (engine.Pipelined) that the card projectors
// never read the result of tx.Exec, so a catch-up batch sends their
// statements in one round trip.
func (Templates) Pipelined() bool { return true }
func (Batches) Pipelined() bool   { return true }
func (Usage) Pipelined() bool     { return true }

func jsonb(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode jsonb: %w", err)
	}
	return b, nil
}

// date parses an optional YYYY-MM-DD into a value for a date column.
func date(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	d, err := time.Parse("2006-01-02", *s)
	if err != nil {
		return nil, fmt.Errorf("expiry date %q: %w", *s, err)
	}
	return &d, nil
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
