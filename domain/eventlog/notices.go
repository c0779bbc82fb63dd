package eventlog

import "context"

// Notices carries short messages between the processes that share a
// database: PostgreSQL's LISTEN and NOTIFY, where the log's store keeps a
// connection listening for its own news. A consumer runtime that listens
// through it needs no listening connection of its own; in PostgreSQL every
// notification wakes every listening connection of its database, so each one
// fewer is PostgreSQL work saved on every append and every checkpoint.
type Notices interface {
	// Listen delivers the notices sent on channels (plain identifiers) to
	// deliver, one at a time in the order they were sent, until ctx ends.
	// Notices sent while nothing listens are lost: after each (re)connection,
	// before any notice it brings, connected runs, so that the listener can
	// load again what it may have missed; when it fails, that connection is
	// dropped and another tried after a pause. Listen returns at once.
	// connected and deliver run on the listening goroutine, which they
	// share with other listeners: they must return promptly.
	Listen(ctx context.Context, channels []string, connected func(context.Context) error, deliver func(channel, payload string))
}
