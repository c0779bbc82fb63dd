package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/httpapi/apidoc"
)

// openApp assembles the server without serving (the projection engine knows
// its projectors only then).
func openApp(ctx context.Context, e env) (*app.App, error) {
	return openAppPool(ctx, e, 6)
}

func openAppPool(ctx context.Context, e env, conns int) (*app.App, error) {
	cfg, err := app.ConfigFromEnv(withPoolSize(e.getenv, conns))
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	// logctl serves no HTTP: no OpenAPI documents to parse (they cost a
	// second of every start).
	return app.New(ctx, cfg, app.Options{APIDocs: &apidoc.Set{}}, quietLogger(e, cfg))
}

// projectionStatus is one consumer of the engine in logctl status: a
// projector, a reaction (no version or generation) or a job (its runs
// instead of a checkpoint).
type projectionStatus struct {
	Name              string  `json:"name"`
	Kind              string  `json:"kind"`
	Version           int     `json:"version,omitempty"`
	ActiveGeneration  int     `json:"active_generation,omitempty"`
	Checkpoint        string  `json:"checkpoint,omitempty"`
	Head              string  `json:"head,omitempty"`
	LagEvents         uint64  `json:"lag_events"`
	LagCapped         bool    `json:"lag_capped,omitempty"`
	LagSeconds        float64 `json:"lag_seconds"`
	Parked            int     `json:"parked"`
	Rebuilding        bool    `json:"rebuilding"`
	RebuildCheckpoint string  `json:"rebuild_checkpoint,omitempty"`
	LastError         string  `json:"last_error,omitempty"`

	Every        string     `json:"every,omitempty"`
	LastRun      *time.Time `json:"last_run,omitempty"`
	LastRunEnded *time.Time `json:"last_run_ended,omitempty"`
	NextRun      *time.Time `json:"next_run,omitempty"`
	Runs         int64      `json:"runs,omitempty"`
	Failures     int64      `json:"failures,omitempty"`
}

func cmdStatus(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	lags, err := app.ProjectionLags(ctx, a.Engine(), a.Store(), time.Now())
	if err != nil {
		return err
	}
	var ps, jobs []projectionStatus
	for _, l := range lags {
		p := projectionStatus{Name: l.Name, Kind: string(l.Kind), Version: l.Version, ActiveGeneration: l.ActiveGeneration,
			Checkpoint: l.Checkpoint.String(), Head: l.Head.String(), LagEvents: l.Lag, LagCapped: l.LagCapped,
			LagSeconds: l.LagSeconds, Parked: l.Parked, Rebuilding: l.Rebuilding, LastError: l.LastError}
		if l.Rebuilding {
			p.RebuildCheckpoint = l.RebuildCheckpoint.String()
		}
		if l.Kind == engine.KindJob {
			p.Checkpoint, p.Head = "", ""
			p.Every, p.Runs, p.Failures = l.Every.String(), l.Runs, l.Failures
			p.LastRun, p.LastRunEnded, p.NextRun = timeOrNil(l.LastRun), timeOrNil(l.LastRunEnded), timeOrNil(l.NextRun)
			jobs = append(jobs, p)
			continue
		}
		ps = append(ps, p)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"projections": ps, "jobs": jobs})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECTION\tKIND\tVERSION\tGEN\tCHECKPOINT\tHEAD\tLAG EVENTS\tLAG SECONDS\tPARKED\tREBUILDING")
	for _, p := range ps {
		lag := fmt.Sprint(p.LagEvents)
		if p.LagCapped {
			lag += "+"
		}
		rb := "-"
		if p.Rebuilding {
			rb = "at " + p.RebuildCheckpoint
		}
		version, gen := "-", "-"
		if p.Kind == string(engine.KindProjector) {
			version, gen = fmt.Sprint(p.Version), fmt.Sprint(p.ActiveGeneration)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%d\t%s\n", p.Name, p.Kind, version, gen, p.Checkpoint, p.Head, lag, p.LagSeconds, p.Parked, rb)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(jobs) > 0 {
		fmt.Fprintln(e.stdout)
		tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "JOB\tEVERY\tLAST RUN\tNEXT RUN\tRUNS\tFAILURES")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", j.Name, j.Every, timeCell(j.LastRun), timeCell(j.NextRun), j.Runs, j.Failures)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, p := range slices.Concat(ps, jobs) {
		if p.LastError != "" {
			fmt.Fprintf(e.stdout, "%s: last error: %s\n", p.Name, p.LastError)
		}
	}
	return nil
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeCell(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func cmdRebuild(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	name := fs.String("projection", "", "the projection to rebuild")
	wait := fs.Bool("wait", false, "wait until the new generation has replaced the old one")
	runHere := fs.Bool("run", false, "also run the projection engine in this process until the switch (when no server runs)")
	timeout := fs.Duration("timeout", time.Hour, "give up waiting after this long")
	progressMode := progressFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("-projection is required")
	}
	if _, err := showProgress(*progressMode, e.stderr); err != nil {
		return err
	}
	conns := 6
	if *runHere {
		conns = 24 // the engine runs every projector here
	}
	a, err := openAppPool(ctx, e, conns)
	if err != nil {
		return err
	}
	defer a.Close()
	before, err := statusOf(ctx, a.Engine(), *name)
	if err != nil {
		return err
	}
	if err := a.Engine().Rebuild(ctx, *name); err != nil {
		return err
	}
	after, err := statusOf(ctx, a.Engine(), *name)
	if err != nil {
		return err
	}
	first := !after.Rebuilding
	if first {
		fmt.Fprintf(e.stdout, "%s: had no generation; generation %d is active and builds from position 0\n", *name, after.ActiveGeneration)
	} else {
		fmt.Fprintf(e.stdout, "%s: generation %d serves; generation %d is being built from position 0\n", *name, before.ActiveGeneration, after.RebuildGeneration)
	}
	if !*wait && !*runHere {
		fmt.Fprintln(e.stdout, "a running server builds it and switches when caught up; follow with: logctl status")
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if *runHere {
		go func() { _ = a.Engine().Run(ctx) }()
	}
	bar, err := newPositionBar(*progressMode, "rebuild "+*name, e.stderr)
	if err != nil {
		return err
	}
	for {
		st, err := statusOf(ctx, a.Engine(), *name)
		if err != nil {
			return err
		}
		if first {
			bar.at(st.Checkpoint, st.Head)
		} else if st.Rebuilding {
			bar.at(st.RebuildCheckpoint, st.Head)
		}
		if (first && st.Lag == 0) || (!first && st.ActiveGeneration >= after.RebuildGeneration && !st.Rebuilding) {
			bar.at(st.Checkpoint, st.Head)
			bar.done()
		}
		if first && st.Lag == 0 {
			fmt.Fprintf(e.stdout, "%s: generation %d caught up at %s\n", *name, st.ActiveGeneration, st.Checkpoint)
			return nil
		}
		if !first && st.ActiveGeneration >= after.RebuildGeneration && !st.Rebuilding {
			fmt.Fprintf(e.stdout, "%s: switched to generation %d at %s\n", *name, st.ActiveGeneration, st.Checkpoint)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: still building (checkpoint %s): %w", *name, st.RebuildCheckpoint, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func statusOf(ctx context.Context, eng *engine.Engine, name string) (engine.Status, error) {
	st, err := eng.Status(ctx)
	if err != nil {
		return engine.Status{}, err
	}
	for _, s := range st {
		if s.Name == name {
			return s, nil
		}
	}
	return engine.Status{}, fmt.Errorf("%w: %q", engine.ErrUnknownProjection, name)
}

func cmdParked(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("parked", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	name := fs.String("projection", "", "one projection or reaction (default: every consumer)")
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	all, err := a.Engine().Parked(ctx, *name)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		for _, p := range all {
			if err := enc.Encode(map[string]any{"id": p.ID, "kind": p.Kind, "projection": p.Projection, "consumer": p.Consumer,
				"position": p.Position.String(), "event_id": p.EventID, "stream": p.StreamID, "type": p.Type,
				"error": p.Error, "attempts": p.Attempts, "parked_at": p.ParkedAt}); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tPROJECTION\tPOSITION\tSTREAM\tTYPE\tATTEMPTS\tPARKED AT\tERROR")
	for _, p := range all {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p.ID, p.Kind, p.Projection, p.Position, p.StreamID, p.Type, p.Attempts, p.ParkedAt.UTC().Format(time.RFC3339), p.Error)
	}
	return tw.Flush()
}

func parkedCmd(verb, done string, do func(*engine.Engine, context.Context, int64) error) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, args []string) error {
		fs := flag.NewFlagSet(verb, flag.ContinueOnError)
		fs.SetOutput(e.stderr)
		id := fs.Int64("id", 0, "the parked event's id (logctl parked)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *id <= 0 {
			return errors.New("-id is required")
		}
		a, err := openApp(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := do(a.Engine(), ctx, *id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "parked event %d %s\n", *id, done)
		return nil
	}
}

var (
	cmdReplay = parkedCmd("replay", "handled again and removed", (*engine.Engine).ReplayParked)
	cmdSkip   = parkedCmd("skip", "skipped and removed", (*engine.Engine).SkipParked)
)

func cmdResetCheckpoint(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("reset-checkpoint", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	name := fs.String("projection", "", "the projection or reaction")
	to := fs.String("to", "", "the new checkpoint position (0 for the start)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || *to == "" {
		return errors.New("-projection and -to are required")
	}
	pos, err := eventlog.ParsePosition(*to)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Engine().ResetCheckpoint(ctx, *name, pos); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: checkpoint set to %s\n", *name, pos)
	return nil
}

// cmdMigrations lists every migration set of the database with its applied
// and newest version.
func cmdMigrations(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("migrations", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	vs, err := a.Platform().MigrationVersions(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHEMA\tAPPLIED\tNEWEST\t")
	for _, v := range vs {
		state := ""
		if v.Current < v.Latest {
			state = "pending (applied at the next server start)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", v.Schema, v.Current, v.Latest, state)
	}
	return tw.Flush()
}

// cmdErase erases a user's personal data (PersonalDataErased): the keys of
// the user's sealed data are deleted at once, and the read models blank the
// user when their projections reach the printed position (a running server
// applies it; logctl status shows how far they are).
func cmdErase(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	user := fs.Int64("user", 0, "the user's id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *user <= 0 {
		return errors.New("-user is required (a user's id)")
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	pos, err := a.EraseUser(ctx, *user)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %d: personal data erased at %s (keys deleted; the read models blank it when they reach that position)\n", *user, pos)
	return nil
}
