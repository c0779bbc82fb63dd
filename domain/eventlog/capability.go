package eventlog

import "context"

// HeadReader is an optional capability of a Store: the position of the last
// event of the global log, read cheaply. Every event at or before the returned
// position is already visible to ReadAll.
type HeadReader interface {
	Head(ctx context.Context) (Position, error)
}

// ProgressReader is an optional capability of a Store: SafeProgress returns the
// highest position p ≥ after such that no event in (after, p] passes f, i.e. a
// checkpoint that a consumer of f which has handled every event up to after
// may record. A store may answer a lower p than the head of the log (for
// instance from an in-memory tail that lags a little); it never answers one
// past an event that passes f.
type ProgressReader interface {
	SafeProgress(ctx context.Context, after Position, f Filter) (Position, error)
}

// Wrapper is a Store that decorates another one (metrics, logging, tests).
// Capability looks through it.
type Wrapper interface {
	Unwrap() Store
}

// Capability returns s as a T — an optional capability such as HeadReader —
// looking through decorators that implement Wrapper, so that wrapping a store
// never hides what it can do.
func Capability[T any](s Store) (T, bool) {
	for s != nil {
		if c, ok := s.(T); ok {
			return c, true
		}
		w, ok := s.(Wrapper)
		if !ok {
			break
		}
		s = w.Unwrap()
	}
	var zero T
	return zero, false
}
