package engine

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockKey is the advisory lock key of a named lock: FNV-1a of "projection:" +
// name, so the keys of the engine do not meet those of other lock users.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("projection:" + name))
	return int64(h.Sum64())
}

func runLockName(projector string) string   { return "run:" + projector }
func buildLockName(projector string) string { return "build:" + projector }
func genLockName(projector string) string   { return "gen:" + projector }
func reactLockName(reaction string) string  { return "react:" + reaction }
func jobLockName(job string) string         { return "job:" + job }

// locker holds this process's session advisory locks on one dedicated
// connection (outside the pool). A lock lives as long as that session, so a
// process that dies releases its locks with its connection, and another
// process takes over at its next attempt. When the connection fails, every
// holder is told (its lost channel closes) and must stop; the engine also
// guards each transaction with the checkpoint row lock, so a holder that did
// not stop in time cannot apply an event twice.
type locker struct {
	cfg      *pgx.ConnConfig
	interval time.Duration

	mu   sync.Mutex
	conn *pgx.Conn
	held map[int64]chan struct{}
}

func newLocker(cfg *pgx.ConnConfig, interval time.Duration) *locker {
	return &locker{cfg: cfg, interval: interval, held: map[int64]chan struct{}{}}
}

// tryLock takes the lock without waiting. lost closes when the lock is lost
// (its connection failed) or released.
func (l *locker) tryLock(ctx context.Context, name string) (lost <-chan struct{}, ok bool, err error) {
	key := lockKey(name)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, held := l.held[key]; held {
		return nil, false, nil
	}
	if l.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, l.cfg)
		if err != nil {
			return nil, false, err
		}
		l.conn = conn
	}
	if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		l.failLocked()
		return nil, false, err
	}
	if !ok {
		return nil, false, nil
	}
	ch := make(chan struct{})
	l.held[key] = ch
	return ch, true, nil
}

// unlock releases the lock if it is still held.
func (l *locker) unlock(name string) {
	key := lockKey(name)
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, held := l.held[key]
	if !held {
		return
	}
	delete(l.held, key)
	close(ch)
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
		l.failLocked()
	}
}

// failLocked drops the connection and tells every holder. l.mu is held.
func (l *locker) failLocked() {
	if l.conn != nil {
		_ = l.conn.Close(context.Background())
		l.conn = nil
	}
	for key, ch := range l.held {
		close(ch)
		delete(l.held, key)
	}
}

// watch checks the connection every interval while it holds locks, until ctx
// ends; then it releases everything.
func (l *locker) watch(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.close()
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.conn != nil && len(l.held) > 0 {
			pctx, cancel := context.WithTimeout(ctx, l.interval)
			if err := l.conn.Ping(pctx); err != nil {
				l.failLocked()
			}
			cancel()
		}
		l.mu.Unlock()
	}
}

// close releases every lock by closing the session.
func (l *locker) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked()
}
