// Package meetingrooms holds the command handlers of 001's meeting rooms and
// reservations: one file per command. Rooms are decided on meetingroom-<id>;
// a reservation is decided on the roomday-<room>-<yyyymmdd> stream of its
// room and day only, reading only that stream's last event (which carries
// the day's bookings) and appending with the version read, so that of two
// overlapping requests only one can be appended; the other reloads, decides
// again and is rejected. Reservations of different rooms or days never touch
// the same stream.
package meetingrooms

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/meetingrooms"
	"github.com/fiveapis/backend/domain/sequence"
)

// Clock tells the time commands are decided at.
type Clock = handling.Clock

// Membership tells whether a user is on 001's staff (queries/contacts
// IsMember): only members and administrators reserve the college's rooms.
type Membership = handling.Membership

// Config configures the handlers.
type Config struct {
	// Zone is the time zone whose calendar days split the roomday streams and
	// whose half hours the times are floored to (001: Asia/Shanghai, UTC+8).
	Zone *time.Location
	// IDBlock is how many reservation ids a process takes from the
	// "reservation" sequence at once, so that requests for different rooms
	// almost never meet on the sequence stream.
	IDBlock int64
	// Attempts bounds the reloads of a roomday stream under contention.
	Attempts int
}

// DefaultZone is 001's time zone, China Standard Time.
var DefaultZone = time.FixedZone("CST", 8*3600)

// DefaultConfig holds the defaults of zero fields.
var DefaultConfig = Config{Zone: DefaultZone, IDBlock: 64, Attempts: 200}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.IDBlock < 0 || c.Attempts < 0 {
		return errors.New("meetingrooms: negative IDBlock or Attempts")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Zone == nil {
		c.Zone = DefaultConfig.Zone
	}
	if c.IDBlock <= 0 {
		c.IDBlock = DefaultConfig.IDBlock
	}
	if c.Attempts <= 0 {
		c.Attempts = DefaultConfig.Attempts
	}
	return c
}

// Handlers executes the meeting-room commands.
type Handlers struct {
	runner  *handling.Runner // rooms
	days    *handling.Runner // roomday streams: more attempts, a popular slot is hot
	seqs    *handling.Runner
	store   handling.EventStore
	clock   Clock
	members Membership
	cfg     Config

	ids idPool
}

// New returns the handlers; members decides who may reserve.
func New(runner *handling.Runner, clock Clock, members Membership, cfg Config) (*Handlers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	store := runner.Store()
	return &Handlers{
		runner:  runner,
		days:    handling.NewRunner(store, handling.Config{MaxAttempts: cfg.Attempts, Backoff: 2 * time.Millisecond}),
		seqs:    handling.NewRunner(store, handling.Config{MaxAttempts: 500, Backoff: 3 * time.Millisecond}),
		store:   store,
		clock:   clock,
		members: members,
		cfg:     cfg,
	}, nil
}

// Zone is the module's time zone.
func (h *Handlers) Zone() *time.Location { return h.cfg.Zone }

func (h *Handlers) now(meta *eventlog.Metadata) time.Time {
	now := h.clock.Now().UTC()
	meta.OccurredAt = now
	return now
}

// Result is where a command's events landed (the zero position when nothing
// changed).
type Result struct {
	Position eventlog.Position
}

// loadRoom returns a room's state from its stream's last event.
func (h *Handlers) loadRoom(ctx context.Context, id int64) (meetingrooms.Room, error) {
	last, _, err := h.store.LoadLast(ctx, meetingrooms.RoomStream(id))
	if err != nil {
		return meetingrooms.Room{}, err
	}
	if last == nil {
		return meetingrooms.Room{}, nil
	}
	return meetingrooms.RoomFrom(last.Event), nil
}

// allocate takes count ids of the named sequence.
func (h *Handlers) allocate(ctx context.Context, name string, count int64, owner string, meta eventlog.Metadata) (sequence.IDsAllocated, error) {
	return h.seqs.AllocateIDs(ctx, name, count, owner, meta)
}

// idPool holds the reservation ids this process took from the
// "reservation" sequence and not yet used.
type idPool struct {
	mu     sync.Mutex
	ranges [][2]int64    // first..last, inclusive, in order
	refill chan struct{} // non-nil while a refill runs; closed when it ends
	err    error         // the last refill's error
}

func (p *idPool) remainingLocked() int64 {
	var n int64
	for _, r := range p.ranges {
		n += r[1] - r[0] + 1
	}
	return n
}

// reservationID hands out the next reservation id from the blocks this
// process holds. When fewer than half a block is left, a new block is taken
// from the "reservation" sequence in the background, so a request normally
// never waits for an allocation and requests for different rooms share
// nothing on their way to the store. Ids are unique across processes; a block
// a process did not use up before it stopped leaves a gap, as deleted rows do
// in the original system.
func (h *Handlers) reservationID(ctx context.Context, meta eventlog.Metadata) (int64, error) {
	p := &h.ids
	for {
		p.mu.Lock()
		if len(p.ranges) > 0 {
			r := &p.ranges[0]
			id := r[0]
			if r[0]++; r[0] > r[1] {
				p.ranges = p.ranges[1:]
			}
			if p.remainingLocked() < h.cfg.IDBlock/2 {
				h.startRefillLocked(meta)
			}
			p.mu.Unlock()
			return id, nil
		}
		if p.err != nil {
			err := p.err
			p.err = nil
			p.mu.Unlock()
			return 0, err
		}
		done := h.startRefillLocked(meta)
		p.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// startRefillLocked starts taking a block unless a refill runs; it returns
// the running refill's done channel.
func (h *Handlers) startRefillLocked(meta eventlog.Metadata) chan struct{} {
	p := &h.ids
	if p.refill != nil {
		return p.refill
	}
	done := make(chan struct{})
	p.refill = done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a, err := h.allocate(ctx, meetingrooms.ReservationSequence, h.cfg.IDBlock, "", meta)
		p.mu.Lock()
		if err != nil {
			p.err = err
		} else {
			p.ranges = append(p.ranges, [2]int64{a.First, a.Last})
		}
		p.refill = nil
		p.mu.Unlock()
		close(done)
	}()
	return done
}
