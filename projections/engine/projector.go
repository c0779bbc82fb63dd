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
	// advances past events it does not receive. The engine reads it once,
	// in New.
	Filter() eventlog.Filter
	// Apply applies one event in tx, whose search_path is the generation
	// schema. It must be deterministic: replaying the log rebuilds the same
	// rows. Returning an error rolls the event back; after the retries it is
	// parked.
	Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error
}

// DeferredIndexes is an optional interface of a Projector: secondary indexes
// that Apply itself does not need. A generation built beside the active one
// (a rebuild, a new version) gets them only once it has caught up, just
// before the switch, so that a catch-up over the whole log inserts rows
// without maintaining them, and each index is then built in one pass, which
// costs PostgreSQL far less than an entry per applied row. A generation that
// serves queries from its start gets them with its tables. The DDL runs with
// search_path set to the generation schema and must be idempotent (CREATE
// INDEX IF NOT EXISTS): a build run that restarts builds them again.
type DeferredIndexes interface {
	Indexes() string
}
