// Package esdbfake is an in-process stand-in for an EventStoreDB node, for
// tests: a gRPC server built from the generated server interfaces that ship
// with the official Go client (github.com/EventStore/EventStore-Client-Go/v4),
// so the real client talks to it over a real (plain-text, loopback) gRPC
// connection.
//
// It implements exactly what the eventstoredb adapter uses, with the server's
// rules rather than the eventlog port's:
//
//   - ServerFeatures.GetSupportedMethods, which the client calls while it
//     connects (no gossip: a single-node connection string never asks for it);
//   - Streams.Append with the server's expected-revision and idempotency
//     checks (IndexWriter.CheckCommit), the WrongExpectedVersion answer in
//     the response body, and the "stream-deleted" exception trailers;
//   - Streams.Read of a stream or of $all, forwards and backwards, with counts,
//     stream-name and event-type filters, StreamNotFound messages, and $all
//     catch-up subscriptions: Confirmation, the stored events, CaughtUp, then
//     live events, with Checkpoint messages when a filter is set;
//   - Streams.Delete (soft delete: a "$metadata" event with $tb = max in the
//     "$$<stream>" stream; WrongExpectedVersion as a FailedPrecondition status
//     with the server's message and trailers) and Streams.Tombstone.
//
// The data lives in memory for the life of the Server; Restart keeps it.
// Its $all starts with a few system events, as a real database does.
package esdbfake

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// ServerVersion is the version the fake reports to the client.
const ServerVersion = "24.10.0"

// Server is a running fake EventStoreDB node.
type Server struct {
	db   *db
	addr string

	mu      sync.Mutex
	grpc    *grpc.Server
	subs    map[*liveSub]struct{}
	started int // $all subscriptions ever started
}

// liveSub is a running $all subscription; drop ends it with an error, and
// gone is closed when its handler has returned.
type liveSub struct {
	drop chan error
	gone chan struct{}
}

// Start starts a fake server on 127.0.0.1 and returns its connection string
// ("esdb://127.0.0.1:PORT?tls=false"). The server stops when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	return NewServer(t).ConnString()
}

// NewServer starts a fake server on 127.0.0.1 on a free port. It stops when
// the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("esdbfake: listen: %v", err)
	}
	s := &Server{db: newDB(), addr: lis.Addr().String(), subs: make(map[*liveSub]struct{})}
	s.serve(lis)
	t.Cleanup(s.Stop)
	return s
}

// ConnString is the connection string of the server for the official client.
func (s *Server) ConnString() string { return "esdb://" + s.addr + "?tls=false" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) serve(lis net.Listener) {
	g := grpc.NewServer(
		// The client pings every 10 s without active calls; gRPC's default
		// policy would answer with GOAWAY "too_many_pings".
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
	)
	streams.RegisterStreamsServer(g, &streamsService{srv: s})
	serverfeatures.RegisterServerFeaturesServer(g, featuresService{})
	s.mu.Lock()
	s.grpc = g
	s.mu.Unlock()
	go func() { _ = g.Serve(lis) }()
}

// Stop stops the server: it closes the listener and every connection, which
// ends every call in flight. The data is kept for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	g := s.grpc
	s.mu.Unlock()
	if g != nil {
		g.Stop()
	}
}

// Restart stops the server if it runs and listens again on the same address
// with the same data, like a node restart.
func (s *Server) Restart() error {
	s.Stop()
	var (
		lis net.Listener
		err error
	)
	// The port is ours, but the kernel may need a moment to release it.
	for i := 0; i < 50; i++ {
		if lis, err = net.Listen("tcp", s.addr); err == nil {
			s.serve(lis)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("esdbfake: listen again on %s: %w", s.addr, err)
}

// DropSubscriptions ends every live $all subscription with an Unavailable
// status, as when the server drops them, and returns how many it dropped
// once their calls have ended. The connection stays up. Events the server
// had already sent still reach the client before the error.
func (s *Server) DropSubscriptions() int {
	return s.DropSubscriptionsWith(status.Error(codes.Unavailable, "subscription dropped by the server"))
}

// DropSubscriptionsWith ends every live $all subscription with err (a gRPC
// status error) and returns how many it dropped once their calls have ended.
// A subscription blocked sending to a client that stopped reading ends only
// when the client reads again; DropSubscriptionsWith waits for it at most 2 s.
func (s *Server) DropSubscriptionsWith(err error) int {
	s.mu.Lock()
	var dropped []*liveSub
	for sub := range s.subs {
		select {
		case sub.drop <- err:
			dropped = append(dropped, sub)
		default: // already being dropped
		}
	}
	s.mu.Unlock()
	timeout := time.After(2 * time.Second)
	for _, sub := range dropped {
		select {
		case <-sub.gone:
		case <-timeout:
			return len(dropped)
		}
	}
	return len(dropped)
}

// Subscriptions is the number of live $all subscriptions.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// SubscriptionsStarted is the number of $all subscriptions started since the
// server was created, resubscriptions included.
func (s *Server) SubscriptionsStarted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// LastPosition is the commit (= prepare) position of the last record of
// $all, system events included.
func (s *Server) LastPosition() uint64 {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	return s.db.lastPos()
}

// AppendSystemEvent writes an event with a system type to a system stream,
// as the server itself does (stats, projections, metadata), so tests can
// check that readers of $all skip them.
func (s *Server) AppendSystemEvent(stream, eventType string, data []byte) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	s.db.writeSystem(stream, eventType, data)
	s.db.notify()
}

func (s *Server) register() *liveSub {
	sub := &liveSub{drop: make(chan error, 1), gone: make(chan struct{})}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.started++
	s.mu.Unlock()
	return sub
}

func (s *Server) unregister(sub *liveSub) {
	s.mu.Lock()
	delete(s.subs, sub)
	s.mu.Unlock()
	close(sub.gone)
}
