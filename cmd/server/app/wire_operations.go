package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/queries/pgerrors"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/operations"
)

// wireOperations builds the operators' surface over every consumer of the
// log (projectors, reactions, jobs): status, parked events, rebuilds
// (/api/admin/projections/…, /api/admin/parked/…) and the view of the mail
// reactions' parked deliveries (/api/admin/mail/parked/).
func wireOperations(_ context.Context, p *Platform) (Module, error) {
	return Module{Name: "operations", Routes: []httpapi.Routes{
		operations.Module{Projections: engineOps{p}, Logger: p.Logger},
		operations.MailModule{Mail: mailOps{p}, Logger: p.Logger},
	}}, nil
}

// engineOps adapts the engine to operations.Projections (the engine is built
// after the modules, so it is read through the platform).
type engineOps struct{ p *Platform }

func (o engineOps) Status(ctx context.Context) ([]operations.ProjectionStatus, error) {
	st, err := ProjectionLags(ctx, o.p.Projections.Engine(), o.p.Store, time.Now())
	if err != nil {
		return nil, err
	}
	out := make([]operations.ProjectionStatus, len(st))
	for i, s := range st {
		out[i] = operations.ProjectionStatus{
			Name: s.Name, Kind: string(s.Kind), Version: s.Version, ActiveGeneration: s.ActiveGeneration,
			Checkpoint: s.Checkpoint.String(), Head: s.Head.String(), Lag: s.Lag, LagCapped: s.LagCapped,
			Parked: s.Parked, Rebuilding: s.Rebuilding, RebuildGeneration: s.RebuildGeneration,
			LagSeconds: s.LagSeconds, RunningHere: s.RunningHere, LastError: s.LastError,
		}
		if s.Rebuilding {
			out[i].RebuildCheckpoint = s.RebuildCheckpoint.String()
		}
		if s.Kind == engine.KindJob {
			o := &out[i]
			o.Checkpoint, o.Head = "", ""
			o.EverySeconds, o.Runs, o.Failures = s.Every.Seconds(), s.Runs, s.Failures
			o.LastRun, o.LastRunEnded, o.NextRun = timeOrNil(s.LastRun), timeOrNil(s.LastRunEnded), timeOrNil(s.NextRun)
		}
	}
	return out, nil
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (o engineOps) Parked(ctx context.Context, name string) ([]operations.ParkedEvent, error) {
	ps, err := o.p.Projections.Engine().Parked(ctx, name)
	if err != nil {
		return nil, opsErr(err)
	}
	out := make([]operations.ParkedEvent, len(ps))
	for i, pk := range ps {
		out[i] = operations.ParkedEvent{ID: pk.ID, Kind: string(pk.Kind), Projection: pk.Projection, Consumer: pk.Consumer,
			Position: pk.Position.String(), EventID: pk.EventID, StreamID: pk.StreamID, Type: pk.Type,
			Error: pk.Error, Attempts: pk.Attempts, ParkedAt: pk.ParkedAt}
	}
	return out, nil
}

func (o engineOps) ReplayParked(ctx context.Context, id int64) error {
	return replayErr(o.p.Projections.Engine().ReplayParked(ctx, id))
}

func (o engineOps) SkipParked(ctx context.Context, id int64) error {
	return opsErr(o.p.Projections.Engine().SkipParked(ctx, id))
}

func (o engineOps) Rebuild(ctx context.Context, name string) error {
	return opsErr(o.p.Projections.Engine().Rebuild(ctx, name))
}

func opsErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrUnknownProjection):
		return fault.New(fault.NotFound, "UNKNOWN_PROJECTION", "no such projection, reaction or job").Wrap(err)
	case errors.Is(err, engine.ErrParkedNotFound):
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked event").Wrap(err)
	}
	return err
}

// replayErr is opsErr for a replay: besides what opsErr names, the event
// failed again (it stays parked), unless the database was unavailable.
func replayErr(err error) error {
	err = opsErr(err)
	if _, classified := fault.As(err); err == nil || classified || pgerrors.Unavailable(err) {
		return err
	}
	return operations.ErrStillFailing.Wrap(err)
}

// mailOps adapts the engine to operations.Mail: its parked events of the mail
// reactions (MailReactionPrefix).
type mailOps struct{ p *Platform }

func (o mailOps) ParkedMail(ctx context.Context, reaction string) ([]operations.ParkedMail, error) {
	ps, err := o.mailParked(ctx)
	if err != nil {
		return nil, err
	}
	out := []operations.ParkedMail{}
	for _, pk := range ps {
		if reaction != "" && pk.Projection != reaction {
			continue
		}
		out = append(out, operations.ParkedMail{ID: pk.ID, Worker: pk.Projection, EventID: pk.EventID, StreamID: pk.StreamID,
			Position: pk.Position.String(), EventType: pk.Type, Attempts: pk.Attempts, LastError: pk.Error, ParkedAt: pk.ParkedAt})
	}
	return out, nil
}

func (o mailOps) ReplayMail(ctx context.Context, id int64) error {
	ps, err := o.mailParked(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ps, func(pk engine.ParkedEvent) bool { return pk.ID == id }) {
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked mail")
	}
	return replayErr(o.p.Projections.Engine().ReplayParked(ctx, id))
}

// mailParked lists the parked events of the mail reactions.
func (o mailOps) mailParked(ctx context.Context) ([]engine.ParkedEvent, error) {
	all, err := o.p.Projections.Engine().Parked(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []engine.ParkedEvent
	for _, pk := range all {
		if pk.Kind == engine.KindReaction && strings.HasPrefix(pk.Projection, MailReactionPrefix) {
			out = append(out, pk)
		}
	}
	return out, nil
}
