package app

import (
	"context"
	"errors"
	"time"

	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/projections/engine"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/operations"
	"github.com/fiveapis/backend/transport/mail"
)

// wireOperations builds the operators' surface: projection status, parked
// events, rebuilds (/api/admin/projections/…, /api/admin/parked/…) and the
// parked deliveries of the mail workers (/api/admin/mail/parked/).
func wireOperations(_ context.Context, p *Platform) (Module, error) {
	return Module{Name: "operations", Routes: []httpapi.Routes{
		operations.Module{Projections: engineOps{p}},
		operations.MailModule{Mail: mailOps{p}},
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
			Name: s.Name, Version: s.Version, ActiveGeneration: s.ActiveGeneration,
			Checkpoint: s.Checkpoint.String(), Head: s.Head.String(), Lag: s.Lag, LagCapped: s.LagCapped,
			Parked: s.Parked, Rebuilding: s.Rebuilding, RebuildGeneration: s.RebuildGeneration,
			LagSeconds: s.LagSeconds,
		}
		if s.Rebuilding {
			out[i].RebuildCheckpoint = s.RebuildCheckpoint.String()
		}
	}
	return out, nil
}

func (o engineOps) Parked(ctx context.Context, name string) ([]operations.ParkedEvent, error) {
	ps, err := o.p.Projections.Engine().Parked(ctx, name)
	if err != nil {
		return nil, opsErr(err)
	}
	out := make([]operations.ParkedEvent, len(ps))
	for i, pk := range ps {
		out[i] = operations.ParkedEvent{ID: pk.ID, Projection: pk.Projection, Consumer: pk.Consumer,
			Position: pk.Position.String(), EventID: pk.EventID, StreamID: pk.StreamID, Type: pk.Type,
			Error: pk.Error, Attempts: pk.Attempts, ParkedAt: pk.ParkedAt}
	}
	return out, nil
}

func (o engineOps) ReplayParked(ctx context.Context, id int64) error {
	return opsErr(o.p.Projections.Engine().ReplayParked(ctx, id))
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
		return fault.New(fault.NotFound, "UNKNOWN_PROJECTION", "no such projection").Wrap(err)
	case errors.Is(err, engine.ErrParkedNotFound):
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked event").Wrap(err)
	}
	return err
}

// mailOps adapts the mail workers to operations.Mail.
type mailOps struct{ p *Platform }

func (o mailOps) ParkedMail(ctx context.Context, worker string) ([]operations.ParkedMail, error) {
	ps, err := o.p.mailWorkers.Parked(ctx, worker)
	if err != nil {
		return nil, err
	}
	out := make([]operations.ParkedMail, len(ps))
	for i, pk := range ps {
		out[i] = operations.ParkedMail(pk)
	}
	return out, nil
}

func (o mailOps) ReplayMail(ctx context.Context, id int64) error {
	err := o.p.mailWorkers.Replay(ctx, id)
	if errors.Is(err, mail.ErrParkedNotFound) {
		return fault.New(fault.NotFound, "PARKED_NOT_FOUND", "no such parked mail").Wrap(err)
	}
	return err
}
