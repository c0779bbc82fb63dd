package eventlog

// ReadModelVersion names what a projection's read model holds as one process
// knows it: the generation of its tables and the position of the log they
// reflect. While it stays the same, so do the rows: a projection writes its
// tables only together with its checkpoint, and a rebuild switches to tables
// of another generation. A cache of read-model rows may be tagged with it.
type ReadModelVersion struct {
	Generation int
	Position   Position
}
