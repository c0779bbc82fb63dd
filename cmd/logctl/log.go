package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fiveapis/backend/cmd/server/app"
	"github.com/fiveapis/backend/domain/eventlog"
)

const page = 500

// withPoolSize caps the CLI's database pools at n connections (and the
// projection engine's at 2) unless the environment sets them itself: the CLI
// runs beside servers that share the database's max_connections.
func withPoolSize(getenv func(string) string, n int) func(string) string {
	return func(k string) string {
		v := getenv(k)
		if v != "" {
			return v
		}
		switch k {
		case "DB_POOL_MAX_CONNS":
			return strconv.Itoa(n)
		case "DB_ENGINE_MAX_CONNS":
			return "2"
		}
		return v
	}
}

// openLog opens the event store, the database and the codec of the server's
// configuration.
func openLog(ctx context.Context, e env) (*app.App, error) {
	cfg, err := app.ConfigFromEnv(withPoolSize(e.getenv, 4))
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return app.OpenLog(ctx, cfg, quietLogger(e, cfg))
}

func quietLogger(e env, cfg app.Config) *slog.Logger {
	lvl := slog.LevelWarn
	if cfg.LogLevel > lvl {
		lvl = cfg.LogLevel
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
}

// filters select events of the log.
type filters struct {
	stream      string
	categories  string
	types       string
	user        string
	correlation string
	after       string
	until       string
	since       string
	before      string
	limit       int

	// parsed
	afterPos, untilPos *eventlog.Position
	sinceT, beforeT    time.Time
	cats, typs         []string
}

func (f *filters) register(fs *flag.FlagSet) {
	fs.StringVar(&f.stream, "stream", "", "one stream (e.g. card-42) instead of the global log")
	fs.StringVar(&f.categories, "category", "", "categories, comma-separated")
	fs.StringVar(&f.types, "type", "", "event types, comma-separated (stored wire names, or the newest ones with -upcast)")
	fs.StringVar(&f.user, "user", "", "acting user id (metadata user_id)")
	fs.StringVar(&f.correlation, "correlation", "", "correlation id (metadata correlation_id)")
	fs.StringVar(&f.after, "after", "", "only events after this global position (exclusive)")
	fs.StringVar(&f.until, "until", "", "only events up to this global position (inclusive)")
	fs.StringVar(&f.since, "since", "", "only events recorded at or after this time (RFC 3339 or 2006-01-02)")
	fs.StringVar(&f.before, "before", "", "only events recorded before this time")
	fs.IntVar(&f.limit, "limit", 0, "at most this many events (0: all)")
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-01-02T15:04:05Z) or a date (2026-01-02)", s)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (f *filters) parse() error {
	for _, p := range []struct {
		s   string
		dst **eventlog.Position
	}{{f.after, &f.afterPos}, {f.until, &f.untilPos}} {
		if p.s != "" {
			pos, err := eventlog.ParsePosition(p.s)
			if err != nil {
				return err
			}
			*p.dst = &pos
		}
	}
	var err error
	if f.since != "" {
		if f.sinceT, err = parseTime(f.since); err != nil {
			return err
		}
	}
	if f.before != "" {
		if f.beforeT, err = parseTime(f.before); err != nil {
			return err
		}
	}
	f.cats, f.typs = splitList(f.categories), splitList(f.types)
	return nil
}

// storeFilter is what the store filters itself.
func (f *filters) storeFilter(upcast bool) eventlog.Filter {
	sf := eventlog.Filter{Categories: f.cats}
	if !upcast {
		sf.EventTypes = f.typs
	}
	return sf
}

// match applies the filters the store does not (metadata, time, types
// after upcasting).
func (f *filters) match(ev eventlog.RecordedEvent) bool {
	if len(f.cats) > 0 && !slices.Contains(f.cats, ev.Category()) {
		return false
	}
	if len(f.typs) > 0 && !slices.Contains(f.typs, ev.Type) {
		return false
	}
	if f.afterPos != nil && !f.afterPos.Less(ev.Position) {
		return false
	}
	if !f.sinceT.IsZero() && ev.RecordedAt.Before(f.sinceT) {
		return false
	}
	if !f.beforeT.IsZero() && !ev.RecordedAt.Before(f.beforeT) {
		return false
	}
	if f.user != "" || f.correlation != "" {
		var m eventlog.Metadata
		_ = json.Unmarshal(ev.Metadata, &m)
		if f.user != "" && m.UserID != f.user {
			return false
		}
		if f.correlation != "" && m.CorrelationID != f.correlation {
			return false
		}
	}
	return true
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// scan calls fn with every selected event, in order: the events of one
// stream, or of the global log. upcast hands fn the newest version. progress
// (nil for none) follows every event read, selected or not.
func scan(ctx context.Context, a *app.App, f *filters, upcast bool, progress *logProgress, fn func(eventlog.RecordedEvent) error) error {
	n := 0
	emit := func(ev eventlog.RecordedEvent) error {
		progress.reached(ev)
		if f.untilPos != nil && f.untilPos.Less(ev.Position) {
			return errStop
		}
		if upcast {
			up, err := a.Codec().Upcast(ev)
			if err != nil {
				return err
			}
			ev = up
		}
		if !f.match(ev) {
			return nil
		}
		if err := fn(ev); err != nil {
			return err
		}
		n++
		if f.limit > 0 && n >= f.limit {
			return errStop
		}
		return nil
	}
	var err error
	if f.stream != "" {
		err = scanStream(ctx, a.Store(), f.stream, emit)
	} else {
		after := eventlog.Start
		if f.afterPos != nil {
			after = *f.afterPos
		}
		err = scanAll(ctx, a.Store(), after, f.storeFilter(upcast), emit)
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func scanStream(ctx context.Context, store eventlog.Store, stream string, fn func(eventlog.RecordedEvent) error) error {
	var from uint64
	for {
		evs, err := store.ReadStream(ctx, stream, eventlog.ReadStreamOptions{From: from, Max: page})
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if len(evs) < page {
			return nil
		}
		from = evs[len(evs)-1].Version + 1
	}
}

func scanAll(ctx context.Context, store eventlog.Store, after eventlog.Position, f eventlog.Filter, fn func(eventlog.RecordedEvent) error) error {
	for {
		evs, err := store.ReadAll(ctx, eventlog.ReadAllOptions{After: after, Filter: f, Max: page})
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if len(evs) < page {
			return nil
		}
		after = evs[len(evs)-1].Position
	}
}

// scanCommand parses the flags of a command that scans the log (the filters,
// -upcast with its help, and the command's own flags, added by own) and opens
// the log. Close the App when done.
func scanCommand(ctx context.Context, e env, name string, args []string, upcastHelp string, own func(*flag.FlagSet)) (*app.App, *filters, bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &filters{}
	f.register(fs)
	own(fs)
	upcast := fs.Bool("upcast", false, upcastHelp)
	if err := fs.Parse(args); err != nil {
		return nil, nil, false, err
	}
	if err := f.parse(); err != nil {
		return nil, nil, false, err
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return nil, nil, false, err
	}
	return a, f, *upcast, nil
}

func cmdRead(ctx context.Context, e env, args []string) error {
	var format *string
	a, f, upcast, err := scanCommand(ctx, e, "read", args, "show every event in its newest version (as consumers see it)", func(fs *flag.FlagSet) {
		format = fs.String("format", "table", "table or json (JSON lines, the form of docs/consumers.md)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	switch *format {
	case "json", "jsonl":
		enc := json.NewEncoder(e.stdout)
		return scan(ctx, a, f, upcast, nil, func(ev eventlog.RecordedEvent) error { return enc.Encode(eventlog.ToJSON(ev)) })
	case "table":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "POSITION\tRECORDED AT\tSTREAM\tVERSION\tTYPE\tUSER\tCORRELATION")
		err := scan(ctx, a, f, upcast, nil, func(ev eventlog.RecordedEvent) error {
			var m eventlog.Metadata
			_ = json.Unmarshal(ev.Metadata, &m)
			_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", ev.Position, ev.RecordedAt.UTC().Format(time.RFC3339Nano),
				ev.StreamID, ev.Version, ev.Type, dash(m.UserID), dash(m.CorrelationID))
			return err
		})
		if ferr := tw.Flush(); err == nil {
			err = ferr
		}
		return err
	default:
		return fmt.Errorf("-format: want table or json, got %q", *format)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type streamInfo struct {
	Stream      string    `json:"stream"`
	Category    string    `json:"category"`
	Events      int       `json:"events"`
	LastVersion uint64    `json:"last_version"`
	LastAt      time.Time `json:"last_recorded_at"`
}

// streamsOf scans the log once.
func streamsOf(ctx context.Context, a *app.App, cats []string) ([]streamInfo, error) {
	by := map[string]*streamInfo{}
	err := scanAll(ctx, a.Store(), eventlog.Start, eventlog.Filter{Categories: cats}, func(ev eventlog.RecordedEvent) error {
		s := by[ev.StreamID]
		if s == nil {
			s = &streamInfo{Stream: ev.StreamID, Category: ev.Category()}
			by[ev.StreamID] = s
		}
		s.Events++
		s.LastVersion, s.LastAt = ev.Version, ev.RecordedAt.UTC()
		return nil
	})
	out := make([]streamInfo, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream < out[j].Stream })
	return out, err
}

func cmdStreams(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("streams", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cats := fs.String("category", "", "only these categories, comma-separated")
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	streams, err := streamsOf(ctx, a, splitList(*cats))
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		for _, s := range streams {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tEVENTS\tLAST VERSION\tLAST RECORDED AT")
	for _, s := range streams {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", s.Stream, s.Events, s.LastVersion, s.LastAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

func cmdCategories(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("categories", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	streams, err := streamsOf(ctx, a, nil)
	if err != nil {
		return err
	}
	type cat struct {
		Category string `json:"category"`
		Streams  int    `json:"streams"`
		Events   int    `json:"events"`
	}
	by := map[string]*cat{}
	var names []string
	for _, s := range streams {
		c := by[s.Category]
		if c == nil {
			c = &cat{Category: s.Category}
			by[s.Category] = c
			names = append(names, s.Category)
		}
		c.Streams++
		c.Events += s.Events
	}
	sort.Strings(names)
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		for _, n := range names {
			if err := enc.Encode(by[n]); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tSTREAMS\tEVENTS")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", n, by[n].Streams, by[n].Events)
	}
	return tw.Flush()
}

func cmdExport(ctx context.Context, e env, args []string) error {
	var out, progressMode *string
	a, f, upcast, err := scanCommand(ctx, e, "export", args, "write the newest version of each event (for analysts; such an export cannot be imported exactly)", func(fs *flag.FlagSet) {
		out = fs.String("o", "-", "output file (- for stdout)")
		progressMode = progressFlag(fs)
	})
	if err != nil {
		return err
	}
	defer a.Close()
	w := e.stdout
	if *out != "-" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	progress, err := newLogProgress(ctx, a.Store(), *progressMode, "export", e.stderr)
	if err != nil {
		return err
	}
	n := 0
	err = scan(ctx, a, f, upcast, progress, func(ev eventlog.RecordedEvent) error {
		n++
		return enc.Encode(eventlog.ToJSON(ev))
	})
	if err != nil {
		return err
	}
	progress.done()
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported %d events\n", n)
	return nil
}

func cmdImport(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	in := fs.String("i", "-", "input file (- for stdin)")
	progressMode := progressFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, size := e.stdin, int64(-1)
	if *in != "-" {
		file, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer file.Close()
		if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r = file
	}
	r, finish, err := readProgress(r, size, *progressMode, e.stderr)
	if err != nil {
		return err
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := importLog(ctx, a.Store(), r)
	if err != nil {
		return fmt.Errorf("import (after %d events): %w", n, err)
	}
	finish()
	fmt.Fprintf(e.stderr, "imported %d events\n", n)
	return nil
}

// importLog appends the events of a JSONL export, in their order, to an
// empty store: same ids, streams, versions, types, data and metadata.
// Positions and recording times are the new store's. Every stream must be
// complete from version 0 (a full export, or one filtered by category or
// time from the start).
func importLog(ctx context.Context, store eventlog.Store, r io.Reader) (int, error) {
	if evs, err := store.ReadAll(ctx, eventlog.ReadAllOptions{Max: 1}); err != nil {
		return 0, err
	} else if len(evs) > 0 {
		return 0, errors.New("the target store is not empty")
	}
	last := map[string]uint64{}
	var (
		batch  []eventlog.EventData
		stream string
		first  uint64
		n      int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		expected := eventlog.NoStream()
		if first > 0 {
			expected = eventlog.Exact(first - 1)
		}
		if _, err := store.Append(ctx, stream, expected, batch); err != nil {
			return fmt.Errorf("append %d events to %s at version %d: %w", len(batch), stream, first, err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	for line := 1; ; line++ {
		var j eventlog.JSONEvent
		if err := dec.Decode(&j); err == io.EOF {
			break
		} else if err != nil {
			return n, fmt.Errorf("event %d: %w", line, err)
		}
		ev, err := j.Record()
		if err != nil {
			return n, fmt.Errorf("event %d: %w", line, err)
		}
		prev, seen := last[ev.StreamID]
		if (!seen && ev.Version != 0) || (seen && ev.Version != prev+1) {
			return n, fmt.Errorf("event %d (%s): stream %s jumps to version %d: the export does not hold the whole stream", line, ev.ID, ev.StreamID, ev.Version)
		}
		last[ev.StreamID] = ev.Version
		if ev.StreamID != stream || len(batch) >= page {
			if err := flush(); err != nil {
				return n, err
			}
			stream, first = ev.StreamID, ev.Version
		}
		batch = append(batch, eventlog.EventData{ID: ev.ID, Type: ev.Type, Data: ev.Data, Metadata: ev.Metadata})
	}
	return n, flush()
}

func cmdVerify(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	maxReport := fs.Int("max-problems", 50, "stop listing problems after this many")
	progressMode := progressFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	progress, err := newLogProgress(ctx, a.Store(), *progressMode, "verify", e.stderr)
	if err != nil {
		return err
	}
	rep, err := verifyLog(ctx, a, *maxReport, progress)
	if err != nil {
		return err
	}
	progress.done()
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stdout, "PROBLEM", p)
	}
	fmt.Fprintf(e.stdout, "events %d, streams %d, last position %s, position gaps %d (normal in PostgreSQL: rolled-back appends), upcast %d, problems %d\n",
		rep.Events, rep.Streams, rep.Last, rep.PositionGaps, rep.Upcast, rep.ProblemCount)
	if rep.ProblemCount > 0 {
		return exitError(2)
	}
	fmt.Fprintln(e.stdout, "OK")
	return nil
}

type verifyReport struct {
	Events, Streams, PositionGaps, Upcast, ProblemCount int
	Last                                                eventlog.Position
	Problems                                            []string
}

// verifyLog reads the whole log: global positions strictly increase, every
// stream's versions run 0, 1, 2, … without a gap or repeat, every event id
// is unique, and every event decodes with the current codec and upcasters.
// Each stream is also read on its own and must match the global log.
// progress (nil for none) follows the global log's reading.
func verifyLog(ctx context.Context, a *app.App, maxReport int, progress *logProgress) (verifyReport, error) {
	var rep verifyReport
	problem := func(format string, args ...any) {
		rep.ProblemCount++
		if len(rep.Problems) < maxReport {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	next := map[string]uint64{}
	ids := map[string]struct{}{}
	err := scanAll(ctx, a.Store(), eventlog.Start, eventlog.Filter{}, func(ev eventlog.RecordedEvent) error {
		progress.reached(ev)
		rep.Events++
		if !rep.Last.Less(ev.Position) {
			problem("position %s after %s: the global log is out of order", ev.Position, rep.Last)
		} else if ev.Position.Commit > rep.Last.Commit+1 && !rep.Last.IsStart() {
			rep.PositionGaps++
		}
		rep.Last = ev.Position
		if _, dup := ids[ev.ID]; dup {
			problem("event id %s appears twice (at %s)", ev.ID, ev.Position)
		}
		ids[ev.ID] = struct{}{}
		want, seen := next[ev.StreamID]
		if !seen {
			want = 0
		}
		if ev.Version != want {
			problem("stream %s: version %d at %s, want %d (gap or repeat)", ev.StreamID, ev.Version, ev.Position, want)
		}
		next[ev.StreamID] = ev.Version + 1
		if !eventlog.ValidCategory(ev.Category()) {
			problem("stream %s at %s: invalid category", ev.StreamID, ev.Position)
		}
		up, err := a.Codec().Upcast(ev)
		if err != nil {
			problem("%s (%s at %s): %v", ev.Type, ev.ID, ev.Position, err)
			return nil
		}
		if up.Type != ev.Type {
			rep.Upcast++
		}
		if _, err := a.Codec().Decode(ev); err != nil {
			problem("%s (%s at %s): does not decode: %v", ev.Type, ev.ID, ev.Position, err)
		}
		return nil
	})
	rep.Streams = len(next)
	return rep, err
}
