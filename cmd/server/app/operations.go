package app

import (
	"context"
	"errors"
	"time"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/httpapi/operations"
)

// mountOperations adds the operators' endpoints over the projection engine
// (projectors, reactions, jobs).
func (a *App) mountOperations(context.Context) error {
	a.modules = append(a.modules, operations.Module{Projections: engineOps{a}})
	return nil
}

// engineOps adapts the engine to operations.Projections (the engine is built
// after the modules, so it is read through the App).
type engineOps struct{ a *App }

func (o engineOps) Status(ctx context.Context) ([]operations.ProjectionStatus, error) {
	st, err := ProjectionLags(ctx, o.a.engine, o.a.store, time.Now())
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
	ps, err := o.a.engine.Parked(ctx, name)
	if err != nil {
		return nil, opsErr(err)
	}
	out := make([]operations.ParkedEvent, len(ps))
	for i, p := range ps {
		out[i] = operations.ParkedEvent{ID: p.ID, Kind: string(p.Kind), Projection: p.Projection, Consumer: p.Consumer,
			Position: p.Position.String(), EventID: p.EventID, StreamID: p.StreamID, Type: p.Type,
			Error: p.Error, Attempts: p.Attempts, ParkedAt: p.ParkedAt}
	}
	return out, nil
}

func (o engineOps) ReplayParked(ctx context.Context, id int64) error {
	return opsErr(o.a.engine.ReplayParked(ctx, id))
}

func (o engineOps) SkipParked(ctx context.Context, id int64) error {
	return opsErr(o.a.engine.SkipParked(ctx, id))
}

func (o engineOps) Rebuild(ctx context.Context, name string) error {
	return opsErr(o.a.engine.Rebuild(ctx, name))
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
