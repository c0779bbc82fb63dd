// Command logctl is the audit and replay tool of the event log, against either
// event store (DATABASE_URL, EVENTSTORE_URL: the server's configuration, see
// docs/config.md). docs/runbook.md shows every operation.
//
//	logctl categories                      categories and their event counts
//	logctl streams [-category c]           streams, their versions and last change
//	logctl read [filters] [-format table|json] [-upcast]
//	                                       a stream or the global log
//	logctl state -stream s [-version v | -at time]
//	                                       an aggregate's state, replayed through the domain
//	logctl export [filters] [-o file]      JSONL, exactly as stored
//	logctl import [-i file]                JSONL into an empty store
//	logctl verify                          order, stream versions, ids, decoding
//	logctl status                          every consumer: projections, reactions, jobs
//	logctl rebuild -projection p [-wait] [-run]
//	logctl parked [-projection p]          every consumer's parked events, or one's
//	logctl replay -id n | logctl skip -id n
//	logctl reset-checkpoint -projection p -to position   a projection's or a reaction's
//	logctl migrations                      versions of every migration set
//	logctl erase -user id                  erase a user's personal data
//
// Filters: -stream, -category a,b, -type T_v1,…, -user id, -correlation id,
// -after position, -until position, -since time, -before time, -limit n.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "logctl:", err)
		if e, ok := err.(exitError); ok {
			os.Exit(int(e))
		}
		os.Exit(1)
	}
}

// exitError is a failure already reported on stdout (verify).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: logctl <command> [flags]

commands:
  categories        list categories and their event counts
  streams           list streams (-category)
  read              read a stream (-stream) or the global log, filtered
  state             an aggregate's state as of a version or time (-stream, -version, -at)
  export            write the log (or a filter of it) as JSONL (-o)
  import            load a JSONL export into an empty store (-i)
  verify            check the log: order, stream versions, unique ids, decoding
  status            projections and reactions (checkpoint, lag in events and seconds, parked), jobs (runs)
  rebuild           rebuild a projection blue/green (-projection, -wait, -run)
  parked            list parked events of every projection and reaction, or one's (-projection)
  replay            handle a parked event again (-id)
  skip              give up on a parked event (-id)
  reset-checkpoint  move a projection's or a reaction's checkpoint (-projection, -to)
  migrations        the applied and newest version of each migration set of the database
  erase             erase a user's personal data (-user)

Run "logctl <command> -h" for the flags. The store and database come from the
server's environment (DATABASE_URL, EVENTSTORE_URL; docs/config.md).
`

type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := map[string]func(context.Context, env, []string) error{
		"categories":       cmdCategories,
		"streams":          cmdStreams,
		"read":             cmdRead,
		"state":            cmdState,
		"export":           cmdExport,
		"import":           cmdImport,
		"verify":           cmdVerify,
		"status":           cmdStatus,
		"rebuild":          cmdRebuild,
		"parked":           cmdParked,
		"replay":           cmdReplay,
		"skip":             cmdSkip,
		"reset-checkpoint": cmdResetCheckpoint,
		"migrations":       cmdMigrations,
		"erase":            cmdErase,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd(ctx, e, args[1:])
}
