package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Engine runs every consumer of the log: projectors, reactions and jobs. See
// the package documentation (doc.go) for how generations, views, locks and
// WaitFor work.
type Engine struct {
	// noPipe lists the generations whose failed pipelined batch is being
	// applied again without the pipeline (see Pipelined).
	noPipe unpipelined

	pool    *pgxpool.Pool
	store   eventlog.Store
	decoder *sharedDecoder // one decoding per event for all generations and reactions
	cfg     Config
	log     *slog.Logger

	projectors []Projector
	names      []string // of the projectors
	byName     map[string]Projector
	// filters are the projectors' filters by name, read once: a request's
	// read-your-writes wait matches its appends against every one of them.
	filters map[string]eventlog.Filter
	signals map[string]*projSignals

	reactions  []*reactor
	byReaction map[string]*reactor
	jobs       []eventlog.Job
	byJob      map[string]eventlog.Job
	// kinds has every consumer's name: projectors, reactions and jobs.
	kinds map[string]Kind

	migrateMu sync.Mutex
	migrated  bool

	hub *waitHub
	lst *listener

	// ctx ends with Close; it bounds the listener.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	runMu   sync.Mutex
	running bool
	runs    map[*genRun]struct{}
	// reacting and leading name the reactions and jobs this process runs.
	reacting map[string]*reactRun
	leading  map[string]bool
	lastErr  map[string]string
}

var _ CheckpointReader = (*Engine)(nil)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// ValidName reports whether name can be a consumer's name: lowercase
// letters, digits and single underscores, starting with a letter, at most 48
// characters, not reserved by PostgreSQL or the engine.
func ValidName(name string) bool {
	if !nameRE.MatchString(name) || strings.Contains(name, "__") || strings.HasSuffix(name, "_") {
		return false
	}
	switch name {
	case Schema, "public", "information_schema":
		return false
	}
	return !strings.HasPrefix(name, "pg_")
}

// New returns an Engine for the projectors and for cfg's reactions and jobs.
// It does not touch the database; Run (and every other method) creates the
// engine's tables first.
func New(pool *pgxpool.Pool, store eventlog.Store, decoder eventlog.Decoder, cfg Config, projectors ...Projector) (*Engine, error) {
	if pool == nil || store == nil || decoder == nil {
		return nil, errors.New("engine: new: pool, store and decoder are required")
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{
		pool:       pool,
		store:      store,
		decoder:    newSharedDecoder(decoder, decodeTableBits),
		cfg:        cfg,
		log:        cfg.Logger,
		byName:     map[string]Projector{},
		filters:    map[string]eventlog.Filter{},
		signals:    map[string]*projSignals{},
		byReaction: map[string]*reactor{},
		byJob:      map[string]eventlog.Job{},
		kinds:      map[string]Kind{},
		lst:        &listener{ready: make(chan struct{})},
		runs:       map[*genRun]struct{}{},
		reacting:   map[string]*reactRun{},
		leading:    map[string]bool{},
		lastErr:    map[string]string{},
	}
	for _, p := range projectors {
		if p == nil {
			return nil, errors.New("engine: new: nil projector")
		}
		name := p.Name()
		if !ValidName(name) {
			return nil, fmt.Errorf("engine: new: invalid projector name %q", name)
		}
		if k, dup := e.kinds[name]; dup {
			return nil, fmt.Errorf("engine: new: a projector and a %s are both named %q", k, name)
		}
		if p.Version() < 1 {
			return nil, fmt.Errorf("engine: new: projector %q: version must be at least 1, got %d", name, p.Version())
		}
		e.projectors = append(e.projectors, p)
		e.names = append(e.names, name)
		e.byName[name] = p
		e.filters[name] = p.Filter()
		e.signals[name] = &projSignals{}
		e.kinds[name] = KindProjector
	}
	if err := e.addReactions(cfg.Reactions); err != nil {
		return nil, err
	}
	if err := e.addJobs(cfg.Jobs); err != nil {
		return nil, err
	}
	filters := slices.Collect(maps.Values(e.filters))
	for _, rc := range e.reactions {
		if !rc.re.Raw { // a raw reaction gets events undecoded
			filters = append(filters, rc.re.Filter)
		}
	}
	e.decoder.shareReadsOf(filters)
	e.hub = newWaitHub(e.names)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// Prepare creates the engine's tables and, for every projector without one,
// its first generation with the views queries read, so that the read models
// can be queried (empty, while they catch up) before Run has started. Run
// does it too; the server calls Prepare before it serves.
func (e *Engine) Prepare(ctx context.Context) error {
	if err := e.ready(ctx); err != nil {
		return err
	}
	for _, p := range e.projectors {
		if err := e.ensureGeneration(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the notification listener. Call it after Run returned.
func (e *Engine) Close() {
	e.cancel()
	e.bg.Wait()
}

// ready creates the engine's tables once.
func (e *Engine) ready(ctx context.Context) error {
	e.migrateMu.Lock()
	defer e.migrateMu.Unlock()
	if e.migrated {
		return nil
	}
	if err := Migrate(ctx, e.pool); err != nil {
		return err
	}
	e.migrated = true
	return nil
}

// Run runs every projector, reaction and job until ctx ends, then returns
// nil. Each projector's active generation, each rebuild, each reaction and
// each job runs in one process at a time: the one holding its advisory lock;
// the others try again every LockRetryInterval.
func (e *Engine) Run(ctx context.Context) error {
	e.runMu.Lock()
	if e.running {
		e.runMu.Unlock()
		return errors.New("engine: already running")
	}
	e.running = true
	e.runMu.Unlock()
	defer func() {
		e.runMu.Lock()
		e.running = false
		e.runMu.Unlock()
	}()

	if err := e.Prepare(ctx); err != nil {
		return err
	}
	e.startListener()

	locks := newLocker(e.pool.Config().ConnConfig.Copy(), e.cfg.LockRetryInterval)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The lock connection outlives the runs: a lock is released only after
	// its run returned, so that no other process starts a reaction or a job
	// while this one's last delivery or run is still under way.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		locks.watch(watchCtx)
	}()
	defer func() {
		stopWatch()
		<-watched
	}()
	var wg sync.WaitGroup
	for _, p := range e.projectors {
		for _, ro := range []role{roleRun, roleBuild} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.supervise(ctx, locks, p, ro)
			}()
		}
	}
	if e.cfg.AnalyzeInterval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.keepStatistics(ctx)
		}()
	}
	for _, rc := range e.reactions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.superviseReaction(ctx, locks, rc)
		}()
	}
	for _, j := range e.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.superviseJob(ctx, locks, j)
		}()
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

type role int

const (
	roleRun   role = iota // the active generation
	roleBuild             // a generation being built beside it
)

func (ro role) String() string {
	if ro == roleRun {
		return "run"
	}
	return "build"
}

func (ro role) lockName(projector string) string {
	if ro == roleRun {
		return runLockName(projector)
	}
	return buildLockName(projector)
}

// supervise keeps one role of one projector running in this process whenever
// this process holds its lock.
func (e *Engine) supervise(ctx context.Context, locks *locker, p Projector, ro role) {
	name := p.Name()
	sig := e.signals[name]
	for ctx.Err() == nil {
		wake := sig.gen.wait()
		ran, err := e.superviseOnce(ctx, locks, p, ro)
		if ctx.Err() != nil {
			return
		}
		delay := e.cfg.LockRetryInterval
		if err != nil {
			e.log.Error("engine: projector failed", "projection", name, "role", ro.String(), "err", err)
			e.setLastErr(name, err)
			wake = nil // wait the full interval before trying again
		} else if ran {
			delay = 10 * time.Millisecond // restart at once (generation changed, reset)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (e *Engine) superviseOnce(ctx context.Context, locks *locker, p Projector, ro role) (ran bool, err error) {
	g, ok, err := e.pick(ctx, p, ro)
	if err != nil || !ok {
		return false, err
	}
	lockName := ro.lockName(p.Name())
	lost, ok, err := locks.tryLock(ctx, lockName)
	if err != nil || !ok {
		return false, err
	}
	defer locks.unlock(lockName)
	// Under the lock, look again: the holder before us may have switched.
	g, ok, err = e.pick(ctx, p, ro)
	if err != nil || !ok {
		return false, err
	}
	return true, e.runGeneration(ctx, p, ro, g, lost)
}

// pick returns the generation this process should run in role ro: the active
// one, or the one being built, when its version is this projector's.
func (e *Engine) pick(ctx context.Context, p Projector, ro role) (generation, bool, error) {
	active, building, err := loadGenerations(ctx, e.pool, p.Name())
	if err != nil {
		return generation{}, false, err
	}
	g := active
	if ro == roleBuild {
		g = building
	}
	if g == nil || g.Version != p.Version() {
		if ro == roleRun && active == nil {
			// Created by Run at start; dropped by hand since: create again.
			if err := e.ensureGeneration(ctx, p); err != nil {
				return generation{}, false, err
			}
		}
		return generation{}, false, nil
	}
	return *g, true, nil
}

// genRun is one generation being run by this process.
type genRun struct {
	p      Projector
	name   string
	gen    generation
	active bool
	filter eventlog.Filter
	nudge  chan struct{}
	// progress fires after every commit (a rebuild's switch waits on it).
	progress signal
	// indexed: the deferred indexes of a generation being built exist (set
	// by the switch loop, which alone reads it).
	indexed bool
	// analyzed: the tables of a generation being built were analyzed before
	// its switch (once per run).
	analyzed bool
	// stop ends the run (a failed batch commit restarts it).
	stop context.CancelFunc

	// mu guards the open batch, which the handler and the batch timer share.
	mu     sync.Mutex
	open   *batch
	broken error
	// spareEvents and sparePending are the emptied slices of the last
	// closed batch, for the next one (guarded by mu; see beginBatch).
	spareEvents  []eventlog.RecordedEvent
	sparePending []eventlog.Envelope
	// flying is the batch being committed in flight (guarded by mu; see
	// inflight).
	flying *inflight

	// healthy is set at the run's first commit, which clears LastError.
	healthy atomic.Bool
	// switched: this building run made its generation the active one
	// (switchLoop); its last commits, made as a building run, announced
	// nothing, so it announces where it ended.
	switched atomic.Bool

	// cp is the generation's checkpoint as this run last locked or
	// committed it, when cpKnown (guarded by mu; park takes mu for it). A
	// batch then checks it on the server instead of reading it first
	// (oneTripTx). It is unknown while a batch is open and after any
	// failure.
	cp      eventlog.Position
	cpKnown bool
}

// knowCheckpoint records the checkpoint the run just locked or committed.
func (r *genRun) knowCheckpoint(cp eventlog.Position) { r.cp, r.cpKnown = cp, true }

func (e *Engine) runGeneration(ctx context.Context, p Projector, ro role, g generation, lost <-chan struct{}) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &genRun{
		p:      p,
		name:   p.Name(),
		gen:    g,
		active: ro == roleRun,
		filter: e.filters[p.Name()],
		nudge:  make(chan struct{}, 1),
		stop:   cancel,
	}
	defer func() { // after closeBatch: its commit is the run's last
		if r.switched.Load() && ctx.Err() == nil {
			if err := e.announceCheckpoint(ctx, r); err != nil {
				e.log.Warn("engine: announcing the checkpoint after the switch failed", "projection", r.name, "generation", r.gen.Schema, "err", err)
			}
		}
	}()
	defer e.closeBatch(r)
	if r.active {
		if err := e.announceCheckpoint(ctx, r); err != nil {
			return err
		}
	}
	e.runMu.Lock()
	e.runs[r] = struct{}{}
	e.runMu.Unlock()
	defer func() {
		e.runMu.Lock()
		delete(e.runs, r)
		e.runMu.Unlock()
	}()
	e.log.Info("engine: running projection", "projection", r.name, "generation", g.Schema, "role", ro.String())

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.watchRun(runCtx, cancel, r, ro, lost)
	}()
	if !r.active {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.switchLoop(runCtx, cancel, r)
		}()
	}
	err := e.cfg.Transport.RunConsumer(runCtx, Consumer{
		Name:        g.Schema,
		Filter:      r.filter,
		Progress:    true,
		Nudge:       r.nudge,
		Store:       e.store,
		Checkpoints: e,
		Handle: func(ctx context.Context, ev eventlog.RecordedEvent, backlog bool) error {
			return classify(e.handle(ctx, r, ev, backlog))
		},
		Advance: func(ctx context.Context, pos eventlog.Position) error {
			return e.advance(ctx, r, pos)
		},
		Park: func(ctx context.Context, consumer string, ev eventlog.RecordedEvent, cause error) error {
			return e.park(ctx, r, ev, cause)
		},
		Retry:  e.cfg.Retry,
		Poison: e.cfg.Poison,
	})
	var gone *generationGoneError
	if ctx.Err() != nil || errors.As(err, &gone) {
		return nil
	}
	r.mu.Lock()
	broken := r.broken
	r.mu.Unlock()
	if broken != nil {
		err = broken // a batch could not be committed: restart later
	}
	if err == nil && runCtx.Err() != nil {
		return nil // stopped on purpose: switched, reset, lock lost
	}
	if err == nil {
		err = errors.New("transport stopped")
	}
	return fmt.Errorf("engine: %s (%s): %w", r.name, g.Schema, err)
}

// announceCheckpoint tells waiters, in this process and by notification in
// every other, where r's generation, now the active one, stands. The run
// that built it commits its last events after the switch as a building run,
// which announces nothing: that run announces when it ends, and so does the
// active run when it starts (the building run's process may have died
// first). Without this, a process waiting for those events would wait for
// the next one.
func (e *Engine) announceCheckpoint(ctx context.Context, r *genRun) error {
	cp, err := e.Checkpoint(ctx, r.gen.Schema)
	if err != nil {
		return err
	}
	e.hub.update(r.name, r.gen.Number, cp)
	if _, err := e.pool.Exec(ctx, "SELECT pg_notify($1, $2)", CheckpointChannel, checkpointNotice(r.name, r.gen.Number, cp)); err != nil {
		return fmt.Errorf("engine: announce checkpoint of %s: %w", r.gen.Schema, err)
	}
	return nil
}

// watchRun stops a run when its lock is lost, its generation is no longer the
// one its role runs, or (active runs) its checkpoint was reset.
func (e *Engine) watchRun(ctx context.Context, stop context.CancelFunc, r *genRun, ro role, lost <-chan struct{}) {
	sig := e.signals[r.name]
	for {
		genWake, resetWake := sig.gen.wait(), sig.reset.wait()
		select {
		case <-ctx.Done():
			return
		case <-lost:
			e.log.Warn("engine: lock lost; stopping", "projection", r.name, "generation", r.gen.Schema)
			stop()
			return
		case <-resetWake:
			if r.active {
				stop()
				return
			}
		case <-genWake:
			g, ok, err := e.pick(ctx, r.p, ro)
			if err == nil && (!ok || g.Schema != r.gen.Schema) {
				stop()
				return
			}
		}
	}
}

// generationGoneError tells the transport that the run's generation no
// longer exists (switched away, dropped by a newer build): the consumer stops
// at once, without retrying or parking (StopConsumer).
type generationGoneError struct{ consumer string }

func (e *generationGoneError) Error() string {
	return "engine: generation " + e.consumer + " is gone"
}

// StopConsumer marks the error for the transport (messaging.IsStopConsumer).
func (e *generationGoneError) StopConsumer() bool { return true }

func (e *Engine) committed(r *genRun, pos eventlog.Position) {
	if r.active {
		e.hub.update(r.name, r.gen.Number, pos)
	}
	r.progress.fire()
	if !r.healthy.Swap(true) {
		e.runMu.Lock()
		delete(e.lastErr, r.name)
		e.runMu.Unlock()
	}
}

// park records ev as parked and moves the checkpoint past it, in one
// transaction.
func (e *Engine) park(ctx context.Context, r *genRun, ev eventlog.RecordedEvent, cause error) error {
	r.mu.Lock()
	err := e.settle(r)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	cp, err := lockCheckpoint(ctx, tx, r.gen.Schema)
	if err != nil {
		return err
	}
	if !cp.Less(ev.Position) {
		return nil
	}
	if err := insertParked(ctx, tx, KindProjector, r.name, r.gen.Schema, ev, cause, attemptsBefore(cause, e.cfg.Retry)); err != nil {
		return err
	}
	if err := saveCheckpoint(ctx, tx, r, ev.Position); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	if r.open == nil {
		r.knowCheckpoint(ev.Position)
	}
	r.mu.Unlock()
	e.log.Warn("engine: event parked", "projection", r.name, "generation", r.gen.Schema,
		"position", ev.Position.String(), "event_id", ev.ID, "type", ev.Type, "err", cause)
	e.committed(r, ev.Position)
	return nil
}

// lockCheckpoint locks the consumer's checkpoint row and sets the
// transaction's search_path to the generation schema (SET LOCAL, in the same
// round trip). A missing row means the generation is gone.
//
// It also turns synchronous_commit off for the transaction: a projection's
// commit then does not wait for its WAL flush (the WAL writer flushes within
// wal_writer_delay). A PostgreSQL crash can lose the last such commits, but
// only whole transactions, each with its own checkpoint, so the projector
// re-applies those events from the log: still exactly once. The log itself
// (pgstore) keeps synchronous commits.
func lockCheckpoint(ctx context.Context, tx pgx.Tx, consumer string) (eventlog.Position, error) {
	var c, p int64
	err := tx.QueryRow(ctx, `
SELECT commit_pos, prepare_pos, set_config('search_path', $2, true), set_config('synchronous_commit', 'off', true)
  FROM projection.checkpoints WHERE name = $1 FOR UPDATE`,
		consumer, pgx.Identifier{consumer}.Sanitize()).Scan(&c, &p, nil, nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventlog.Position{}, &generationGoneError{consumer: consumer}
	}
	if err != nil {
		return eventlog.Position{}, fmt.Errorf("engine: lock checkpoint %s: %w", consumer, err)
	}
	return position(c, p), nil
}

// saveCheckpoint writes the checkpoint; an active generation also announces
// it (delivered at commit).
func saveCheckpoint(ctx context.Context, tx pgx.Tx, r *genRun, pos eventlog.Position) error {
	var err error
	if r.active {
		_, err = tx.Exec(ctx, `
WITH u AS (
  UPDATE projection.checkpoints SET commit_pos = $2, prepare_pos = $3, updated_at = now()
   WHERE name = $1 RETURNING 1)
SELECT pg_notify($4, $5) FROM u`,
			r.gen.Schema, int64(pos.Commit), int64(pos.Prepare), CheckpointChannel, checkpointNotice(r.name, r.gen.Number, pos))
	} else {
		_, err = tx.Exec(ctx, `
UPDATE projection.checkpoints SET commit_pos = $2, prepare_pos = $3, updated_at = now() WHERE name = $1`,
			r.gen.Schema, int64(pos.Commit), int64(pos.Prepare))
	}
	if err != nil {
		return fmt.Errorf("engine: save checkpoint %s: %w", r.gen.Schema, err)
	}
	return nil
}

// Checkpoint returns a consumer's checkpoint (eventlog.Start when it has
// none). It implements messaging.CheckpointReader for the generations it runs.
func (e *Engine) Checkpoint(ctx context.Context, name string) (eventlog.Position, error) {
	if err := e.ready(ctx); err != nil {
		return eventlog.Position{}, err
	}
	var c, p int64
	err := e.pool.QueryRow(ctx, `SELECT commit_pos, prepare_pos FROM projection.checkpoints WHERE name = $1`, name).Scan(&c, &p)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventlog.Start, nil
	}
	if err != nil {
		return eventlog.Position{}, fmt.Errorf("engine: checkpoint %s: %w", name, err)
	}
	return position(c, p), nil
}

func position(c, p int64) eventlog.Position {
	return eventlog.Position{Commit: uint64(c), Prepare: uint64(p)}
}

func (e *Engine) setLastErr(name string, err error) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	e.lastErr[name] = err.Error()
}
