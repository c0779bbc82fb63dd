package engine

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Projector builds one read model from the event log.
//
// A read model lives in a PostgreSQL schema of its own. The projector's tables
// are created by Schema in a generation schema ("<name>__g<N>"); the engine
// exposes the active generation to queries through views of the same names in
// the schema called Name, so queries read "<name>.<table>" and never see a
// rebuild happen.
type Projector interface {
	// Name is the stable checkpoint key and the read schema's name: lowercase
	// letters, digits and underscores, starting with a letter (e.g. "cards").
	// Renaming a projector starts it from zero.
	Name() string
	// Version is the read model's shape. When it changes, the engine builds a
	// new generation from position 0 and switches to it when caught up.
	Version() int
	// Schema returns the DDL that creates the read model's tables, indexes and
	// functions with unqualified names; it runs with search_path set to the
	// generation schema.
	Schema() string
	// Filter selects the events the projector receives. Its checkpoint still
	// advances past events it does not receive.
	Filter() eventlog.Filter
	// Apply applies one event in tx, whose search_path is the generation
	// schema. It must be deterministic: replaying the log rebuilds the same
	// rows. Returning an error rolls the event back; after the retries it is
	// parked.
	Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error
}
