package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiveapis/backend/transport/httpapi/apidoc"
	mailstandin "github.com/fiveapis/backend/transport/mail/standin"
)

// ---- 10. every endpoint of the five APIs in a mixed workload (issue 19, target 5) ----
//
// Each API contributes a mixAPI: its fixture, made through the API before
// the run, and weighted actions, what its users do in a day. An action makes
// one or more calls, each recorded under the documented operation it calls
// ("GET /api/v1/trips/{slug}/"), so the report has one row per operation
// and can list the documented operations that no action calls.

// mixAPI is one API's part of the mixed workload.
type mixAPI struct {
	// Name is the API's OpenAPI document (apidoc): cards, hhu, magpie,
	// ralendar, roamio or travel.
	Name string
	// Share is the API's part of all requests of the day, in percent.
	Share float64
	// Env starts what the API's endpoints need outside the server (a
	// stand-in of a remote service, object storage) and returns the
	// server's environment for it and how to stop it. Optional.
	Env func(ctx context.Context, dir string) (env []string, stop func(), err error)
	// Setup makes the API's fixture through the API, right before the run
	// (access tokens made here live 5 minutes). The APIs' set-ups run side
	// by side: each makes only its own fixture.
	Setup func(ctx context.Context, m *mixEnv) error
	// Actions are what the API's users do, with their weights relative to
	// the API's other actions.
	Actions []mixAction
	// Uncalled are documented operations ("POST /api/…/{id}/") that no
	// action calls, each with the reason.
	Uncalled map[string]string
}

// mixAction is one thing a user does: a read, a write, or a short
// sequence (create, then delete what was created).
type mixAction struct {
	Name   string
	Weight float64
	Run    func(ctx context.Context, w *mixWorker) error
}

// mixEnv is what Setup gets: the client of the server under test, the
// administrator's access, the run's size and the mail stand-in.
type mixEnv struct {
	C     *client
	Admin string // Authorization value of the administrator (cards, roamio)
	Short bool
	// Tag is unique to the run: use it in names that must be unique.
	Tag string
	// Mail is the SMTP stand-in the server sends every mail to.
	Mail *mailstandin.Server
}

// mixWorker is one client goroutine of the run.
type mixWorker struct {
	ID  int
	Rnd *rand.Rand
	C   *client
	rec *mixRecorder
	// n counts the worker's actions: unique names are Tag + ID + n.
	n   int64
	tag string
}

// Unique returns a name no other call of the run uses.
func (w *mixWorker) Unique(prefix string) string {
	w.n++
	return fmt.Sprintf("%s%s%d_%d", prefix, w.tag, w.ID, w.n)
}

// Call sends a JSON request (body nil: none) to path, records its latency
// under op ("GET /api/v1/trips/{slug}/", as the document spells the
// operation) and fails unless the status is want. out, if not nil,
// receives the envelope's data or the whole body, as client.call does.
func (w *mixWorker) Call(ctx context.Context, op, path, auth string, body any, want int, out any) error {
	var rd io.Reader
	var hdr http.Header
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd, hdr = bytes.NewReader(raw), http.Header{"Content-Type": {"application/json"}}
	}
	a, err := w.Send(ctx, op, path, auth, hdr, rd, want)
	if err != nil || out == nil {
		return err
	}
	return decodeAnswer(a.Body, out)
}

// Send sends any request (a form, a file) to path, records its latency
// under op and fails unless the status is want; the method is op's first
// word.
func (w *mixWorker) Send(ctx context.Context, op, path, auth string, hdr http.Header, body io.Reader, want int) (answer, error) {
	return w.SendCheck(ctx, op, path, auth, hdr, body, want, nil)
}

// SendCheck is Send for APIs whose HTTP status does not tell success
// (the travel log answers HTTP 200 with the real code in the body): check,
// if not nil, looks at an answer of status want, and the call counts as
// failed when it returns an error.
func (w *mixWorker) SendCheck(ctx context.Context, op, path, auth string, hdr http.Header, body io.Reader, want int, check func(answer) error) (answer, error) {
	method, _, ok := strings.Cut(op, " ")
	if !ok {
		return answer{}, fmt.Errorf("operation %q is not METHOD /path", op)
	}
	req, err := w.C.request(ctx, method, path, auth, hdr, body)
	if err != nil {
		return answer{}, err
	}
	t0 := time.Now()
	resp, err := w.C.http.Do(req)
	var a answer
	if err == nil {
		a = answer{Status: resp.StatusCode, Header: resp.Header}
		a.Body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	ms := float64(time.Since(t0).Microseconds()) / 1000
	if ctx.Err() != nil {
		return a, ctx.Err() // the run ended mid-call: not counted
	}
	if err == nil && a.Status != want {
		err = fmt.Errorf("%s: status %d, want %d: %.300s", op, a.Status, want, a.Body)
	}
	if err == nil && check != nil {
		if cerr := check(a); cerr != nil {
			err = fmt.Errorf("%s: %w", op, cerr)
		}
	}
	w.rec.add(op, ms, a.Header, err, replay{Method: method, Path: path, Auth: auth, Header: hdr, Body: bodyOf(body)})
	return a, err
}

// bodyOf keeps a request's body for the replay of the slowest operations,
// when it is one of the readers Send is given in memory.
func bodyOf(r io.Reader) []byte {
	switch b := r.(type) {
	case *bytes.Reader:
		raw := make([]byte, b.Size())
		_, _ = b.ReadAt(raw, 0)
		return raw
	case *bytes.Buffer:
		return b.Bytes()
	case *strings.Reader:
		raw := make([]byte, b.Size())
		_, _ = b.ReadAt(raw, 0)
		return raw
	}
	return nil
}

// replay is one recorded request, sent again to capture its plans.
type replay struct {
	Method, Path, Auth string
	Header             http.Header
	Body               []byte
}

// mixRecorder collects every call of the run by operation.
type mixRecorder struct {
	mu  sync.Mutex
	ops map[string]*opStats
}

type opStats struct {
	ms []float64
	// cmd and ryw: the server's own timings of a command (Server-Timing:
	// deciding and appending, the wait for its read models), when given.
	cmd, ryw []float64
	failed   int64
	firstErr string
	last     replay // the last successful call
}

func (r *mixRecorder) add(op string, ms float64, h http.Header, err error, rp replay) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.ops[op]
	if s == nil {
		s = &opStats{}
		r.ops[op] = s
	}
	if err != nil {
		s.failed++
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
		return
	}
	s.ms = append(s.ms, ms)
	if v, ok := timingMillis(h, "cmd"); ok {
		s.cmd = append(s.cmd, v)
	}
	if v, ok := timingMillis(h, "ryw"); ok {
		s.ryw = append(s.ryw, v)
	}
	s.last = rp
}

// mixOp is one operation's row of the report.
type mixOp struct {
	Op            string
	API           string
	N, Failed     int64
	P50, P99, Max float64
	// Cmd and RYW are the server's timings of a command, ascending (ms):
	// deciding and appending, and the wait for its read models.
	Cmd, RYW []float64
	FirstErr string
	Replay   replay
	Plans    []string
}

// mixResult is one run of the mixed workload.
type mixResult struct {
	Clients int
	// Rate is the actions per second offered in an open run (0: closed),
	// and RateWhy how it was chosen.
	Rate    float64
	RateWhy string
	// Queued: in an open run, each action's wait for a free worker (ms,
	// ascending).
	Queued []float64
	// Closed is the closed run before an open one: the server's capacity.
	Closed     *mixResult
	Elapsed    time.Duration
	Actions    int64
	Ops        []mixOp           // by API, then operation
	Documented map[string]string // every documented operation → its API
	Uncalled   map[string]string // documented, not called → why
	// Reads and Writes count the calls by method (GET against the rest).
	Reads, Writes int64
	All           []float64 // every call's latency, ascending
	CPU           cpuTime
	// Sched is how long the server's goroutines waited for a core during
	// the run (zero when /metrics could not be read).
	Sched    schedWaits
	PlanNote string // why there are no plans, if there are none
}

// documentedOps lists every operation of the five APIs' documents, as
// "METHOD /path", with its document's name.
func documentedOps() (map[string]string, error) {
	set, err := apidoc.Load()
	if err != nil {
		return nil, err
	}
	ops := map[string]string{}
	for _, d := range set.Documents() {
		for p, item := range d.Spec.Paths.Map() {
			for method := range item.Operations() {
				ops[strings.ToUpper(method)+" "+p] = d.Name
			}
		}
	}
	return ops, nil
}

// runMix runs clients workers for d and returns the calls by operation;
// tag makes the workers' unique names unique to this run.
// Each action's API is chosen by share and the action by weight. With rate
// 0 the load is closed: each worker starts its next action as soon as its
// last one ends, which measures what the server can do. Otherwise it is
// open: actions arrive at rate per second (exponential gaps, as
// independent users' requests do) and a free worker takes each one; the
// wait for a free worker is recorded apart (Queued).
func runMix(ctx context.Context, c *client, apis []*mixAPI, tag string, clients int, d time.Duration, rate float64, pids ...int) (mixResult, error) {
	doc, err := documentedOps()
	if err != nil {
		return mixResult{}, err
	}
	type pick struct {
		api    *mixAPI
		action mixAction
		cum    float64
	}
	var (
		picks []pick
		total float64
	)
	for _, a := range apis {
		var sum float64
		for _, act := range a.Actions {
			sum += act.Weight
		}
		if sum == 0 {
			continue
		}
		for _, act := range a.Actions {
			total += a.Share * act.Weight / sum
			picks = append(picks, pick{a, act, total})
		}
	}
	if len(picks) == 0 {
		return mixResult{}, errors.New("mixed workload: no actions")
	}
	rec := &mixRecorder{ops: map[string]*opStats{}}
	var actions atomic.Int64
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	sched0, schedErr := scrapeSched(ctx, c)
	cpu0, cpuErr := readCPU(pids...)
	start := time.Now()
	var (
		wg       sync.WaitGroup
		queued   latencies
		arrivals chan time.Time // the time each action was due
	)
	if rate > 0 {
		arrivals = make(chan time.Time, 4096)
		wg.Go(func() { arrive(rctx, arrivals, rate, start) })
	}
	for i := range clients {
		w := &mixWorker{ID: i, Rnd: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))), C: c, rec: rec, tag: tag}
		wg.Go(func() {
			for rctx.Err() == nil {
				if arrivals != nil {
					select {
					case <-rctx.Done():
						return
					case due := <-arrivals:
						queued.add(float64(time.Since(due).Microseconds()) / 1000)
					}
				}
				x := w.Rnd.Float64() * total
				p := picks[min(len(picks)-1, sort.Search(len(picks), func(j int) bool { return picks[j].cum > x }))]
				// An action started runs to its end, past the run's
				// time: one cut between its calls (logged out, not yet
				// logged in again) would leave the worker's objects in a
				// state its next run does not expect.
				_ = p.action.Run(ctx, w) // failures are counted per call
				actions.Add(1)
			}
		})
	}
	wg.Wait()
	res := mixResult{Clients: clients, Rate: rate, Elapsed: time.Since(start), Actions: actions.Load(), Queued: queued.sorted(),
		Documented: doc, Uncalled: map[string]string{}}
	if cpu1, err := readCPU(pids...); err == nil && cpuErr == nil {
		res.CPU = cpu1.sub(cpu0)
	}
	if sched1, err := scrapeSched(ctx, c); err == nil && schedErr == nil {
		res.Sched = sched1.sub(sched0)
	}
	for op, s := range rec.ops {
		slices.Sort(s.ms)
		slices.Sort(s.cmd)
		slices.Sort(s.ryw)
		o := mixOp{Op: op, API: doc[op], N: int64(len(s.ms)), Failed: s.failed, FirstErr: s.firstErr, Replay: s.last, Cmd: s.cmd, RYW: s.ryw}
		if o.API == "" {
			o.API = "(not documented)"
		}
		if len(s.ms) > 0 {
			o.P50, o.P99, o.Max = percentile(s.ms, 50), percentile(s.ms, 99), s.ms[len(s.ms)-1]
		}
		res.All = append(res.All, s.ms...)
		if strings.HasPrefix(op, "GET ") {
			res.Reads += o.N
		} else {
			res.Writes += o.N
		}
		res.Ops = append(res.Ops, o)
	}
	slices.Sort(res.All)
	slices.SortFunc(res.Ops, func(a, b mixOp) int { return strings.Compare(a.API+" "+a.Op, b.API+" "+b.Op) })
	for op, api := range doc {
		if _, called := rec.ops[op]; called {
			continue
		}
		why := "not called in this run: the actions that call it are rare, or none does"
		for _, a := range apis {
			if a.Name == api && a.Uncalled[op] != "" {
				why = a.Uncalled[op]
			}
		}
		res.Uncalled[op] = why
	}
	return res, ctx.Err()
}

// arrive sends the times at which actions are due, rate per second with
// exponential gaps, until ctx ends. An action that finds the queue full is
// dropped: the workers are that far behind.
func arrive(ctx context.Context, out chan<- time.Time, rate float64, start time.Time) {
	rnd := rand.New(rand.NewPCG(uint64(start.UnixNano()), 7))
	next := start
	for {
		next = next.Add(time.Duration(rnd.ExpFloat64() / rate * float64(time.Second)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		select {
		case out <- next:
		default:
		}
	}
}

// slowest returns the k operations with the highest p99 (at least 20 calls).
func (r mixResult) slowest(k int) []int {
	var idx []int
	for i, o := range r.Ops {
		if o.N >= 20 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case r.Ops[a].P99 > r.Ops[b].P99:
			return -1
		case r.Ops[a].P99 < r.Ops[b].P99:
			return 1
		}
		return 0
	})
	return idx[:min(k, len(idx))]
}
