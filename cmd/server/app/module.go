package app

import (
	"context"
	"fmt"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/eventstore/codec"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/authn"
)

// Module is one context of the backend as the server runs it: its events
// for the codec, its projectors for the engine, its routes for the HTTP edge
// and what else it brings. A wire_<context>.go file builds it from the
// Platform; modules.go lists them all; New derives the codec, the engine and
// the routes from that list, so no module depends on another's order.
type Module struct {
	// Name identifies the module in logs and errors.
	Name string
	// Events are every event type the module appends; Upcasters read their
	// older versions still in the log.
	Events    []eventlog.Event
	Upcasters []Upcaster
	// PrivateStreams are the categories of the module whose stream ids are
	// personal data or secrets (an address's digest, a token's id):
	// consumers outside the process see a pseudonym instead.
	PrivateStreams []string
	// Projectors build the module's read models; Reactions are its side
	// effects of events (mail, publishing), Jobs its periodic work. The
	// engine runs all of them, each in one process at a time.
	Projectors []engine.Projector
	Reactions  []eventlog.Reaction
	Jobs       []eventlog.Job
	// Routes mount the module's HTTP routes.
	Routes []httpapi.Routes
	// Verifiers and RequestVerifiers authenticate requests for every API.
	Verifiers        []authn.Verifier
	RequestVerifiers []authn.RequestVerifier
	// Background runs in every process while the server runs: in-process
	// caches that follow the log, nothing that must run once.
	Background []func(ctx context.Context) error
	// Startup runs once the engine runs (bootstrap data); each task must be
	// idempotent: it runs again while the database is unavailable. A task
	// returns the position of its last append (the start when it appended
	// nothing): the process is ready (/readyz, App.Started) once every
	// task ran and the projections reached what they appended, so that a
	// first request finds the bootstrap data in the read models.
	Startup []func(ctx context.Context) (eventlog.Position, error)
}

// Upcaster is one old wire type the codec still reads, and how. The event
// catalogue (docs/events.md) lists them; see TestEventCatalogue.
type Upcaster struct {
	From, To string
	// Doc says what changed, for the catalogue.
	Doc string
	Up  codec.Upcaster
}

// wiring builds a module from the platform.
type wiring func(ctx context.Context, p *Platform) (Module, error)

// buildModules builds every module of modules.go and registers their events
// and upcasters in the platform's codec.
func buildModules(ctx context.Context, p *Platform) ([]Module, error) {
	var out []Module
	for _, w := range modules() {
		m, err := w(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := p.Codec.Register(m.Events...); err != nil {
			return nil, fmt.Errorf("module %s: codec: %w", m.Name, err)
		}
		if err := registerUpcasters(p.Codec, m.Upcasters); err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Name, err)
		}
		p.Forms.AddPrivate(m.PrivateStreams...)
		out = append(out, m)
	}
	return out, nil
}

func registerUpcasters(reg *codec.Registry, ups []Upcaster) error {
	for _, u := range ups {
		if err := reg.RegisterUpcaster(u.From, u.Up); err != nil {
			return fmt.Errorf("codec: %w", err)
		}
	}
	return nil
}
