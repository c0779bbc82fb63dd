package engine_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// benchUsed is a card-like event for BenchmarkCatchUp: the real codec
// decodes it, as it decodes the card events in production.
type benchUsed struct {
	CardID   string    `json:"card_id"`
	ReaderID string    `json:"reader_id"`
	Amount   int64     `json:"amount"`
	Balance  int64     `json:"balance"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
}

func (benchUsed) EventType() string { return "BenchUsed_v1" }

// benchProjector is Pipelined and a BatchApplier, like the card projectors:
// catching up, a batch of events becomes one set-based statement, so the
// benchmark measures what the engine, the transport and the codec cost per
// event rather than the SQL of a projector.
type benchProjector struct{ name string }

func (p *benchProjector) Name() string            { return p.name }
func (p *benchProjector) Version() int            { return 1 }
func (p *benchProjector) Filter() eventlog.Filter { return eventlog.Filter{} }
func (p *benchProjector) Pipelined() bool         { return true }
func (p *benchProjector) Schema() string {
	return `CREATE TABLE balances (card_id text PRIMARY KEY, balance bigint NOT NULL, uses bigint NOT NULL);`
}

func (p *benchProjector) Apply(ctx context.Context, tx pgx.Tx, env eventlog.Envelope) error {
	return p.ApplyBatch(ctx, tx, []eventlog.Envelope{env})
}

func (p *benchProjector) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventlog.Envelope) error {
	// The last balance of each card wins; uses counts them.
	last := map[string]int64{}
	uses := map[string]int64{}
	var order []string
	for _, env := range events {
		u, ok := env.Event.(benchUsed)
		if !ok {
			return fmt.Errorf("bench projector: unexpected %T", env.Event)
		}
		if _, seen := last[u.CardID]; !seen {
			order = append(order, u.CardID)
		}
		last[u.CardID] = u.Balance
		uses[u.CardID]++
	}
	ids := make([]string, len(order))
	bal := make([]int64, len(order))
	n := make([]int64, len(order))
	for i, id := range order {
		ids[i], bal[i], n[i] = id, last[id], uses[id]
	}
	_, err := tx.Exec(ctx, `
INSERT INTO balances (card_id, balance, uses) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
ON CONFLICT (card_id) DO UPDATE SET balance = EXCLUDED.balance, uses = balances.uses + EXCLUDED.uses`, ids, bal, n)
	return err
}

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCatchUp measures a projector catching up over a log of
// CATCHUP_EVENTS events (default 20,000) on the real PostgreSQL: each
// iteration builds a new projector from position 0 until it reaches the head.
// cpu-ns/event is the CPU time of this process (engine, transport, codec,
// the store's reads; not PostgreSQL's) per event: the machine is shared, so
// it is steadier than the wall time (events/s).
func BenchmarkCatchUp(b *testing.B) {
	n := 20000
	if s := os.Getenv("CATCHUP_EVENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	e := newEnv(b)
	reg, err := codec.New(benchUsed{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	const perAppend = 500
	at := time.Date(2026, 11, 21, 17, 0, 0, 123456789, time.UTC)
	var head eventlog.Position
	for done := 0; done < n; done += perAppend {
		card := fmt.Sprintf("card-%d", done/perAppend)
		data := make([]eventlog.EventData, 0, perAppend)
		for i := 0; i < perAppend && done+i < n; i++ {
			ed, err := reg.Encode(uuid.NewString(), benchUsed{
				CardID: card, ReaderID: "reader-7", Amount: 150, Balance: int64(10000 - i), At: at,
			}, eventlog.Metadata{
				CorrelationID: uuid.NewString(), CausationID: uuid.NewString(), UserID: "user-42",
				ClientIP: "10.0.0.7", UserAgent: "loadgen/1.0", OccurredAt: at,
			})
			if err != nil {
				b.Fatal(err)
			}
			data = append(data, ed)
		}
		res, err := e.store.Append(ctx, card, eventlog.Any(), data)
		if err != nil {
			b.Fatal(err)
		}
		head = res.Position
	}

	cfg := testConfig()
	cfg.WaitTimeout = 10 * time.Minute
	var cpu, wall time.Duration
	b.ResetTimer()
	for i := range b.N {
		p := &benchProjector{name: fmt.Sprintf("bench_%d", i)}
		eng, err := engine.New(e.pool, e.store, reg, cfg, p)
		if err != nil {
			b.Fatal(err)
		}
		c0, w0 := cpuTime(b), time.Now()
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- eng.Run(runCtx) }()
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		err = eng.WaitFor(waitCtx, head, p.name)
		cancel()
		wall += time.Since(w0)
		cpu += cpuTime(b) - c0
		stop()
		if rerr := <-done; rerr != nil {
			b.Fatal(rerr)
		}
		eng.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	events := float64(n) * float64(b.N)
	b.ReportMetric(float64(cpu.Nanoseconds())/events, "cpu-ns/event")
	b.ReportMetric(events/wall.Seconds(), "events/s")
}
