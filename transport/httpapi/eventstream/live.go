package eventstream

import (
	"sort"
	"sync"
	"time"
)

// OpenStream is a stream open in this process: who reads it, what it
// reads and how far it got.
type OpenStream struct {
	// Consumer is the configured consumer's name, or "admin:<username>".
	Consumer string
	// Categories it reads (empty: all).
	Categories []string
	Since      time.Time
	// Position is the last event sent ("" before the first).
	Position string
	Sent     uint64
}

// Live keeps the streams open in this process, for operators (the console's
// outlets page). The zero value is not usable: NewLive.
type Live struct {
	mu   sync.Mutex
	next int
	open map[int]*OpenStream
}

// NewLive returns an empty registry.
func NewLive() *Live { return &Live{open: map[int]*OpenStream{}} }

// Open lists the open streams, oldest first.
func (l *Live) Open() []OpenStream {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]OpenStream, 0, len(l.open))
	for _, s := range l.open {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// add registers a stream and returns its key (a nil Live keeps nothing).
func (l *Live) add(s OpenStream) int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	l.open[l.next] = &s
	return l.next
}

// sent records an event sent on stream id.
func (l *Live) sent(id int, position string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.open[id]; ok {
		s.Position = position
		s.Sent++
	}
}

// remove forgets a closed stream.
func (l *Live) remove(id int) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, id)
}
