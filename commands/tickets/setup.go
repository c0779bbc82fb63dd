package tickets

import (
	"context"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/tickets"
)

// AddArea is an admin adding a place (POST /api/lastest/area/).
type AddArea struct {
	Actor    access.Actor
	Name     string
	Kind     string
	ParentID int64
	Meta     eventlog.Metadata
}

// AreaResult is the place added and where it landed.
type AreaResult struct {
	Area     tickets.AreaAdded
	Position eventlog.Position
}

// AddArea appends AreaAdded to the setup stream.
func (h *Handlers) AddArea(ctx context.Context, cmd AddArea) (AreaResult, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return AreaResult{}, err
	}
	now := h.now(&cmd.Meta)
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s tickets.Setup) (eventlog.Event, error) {
		return tickets.AddArea(s, cmd.Name, cmd.Kind, cmd.ParentID, by, now)
	})
	if err != nil {
		return AreaResult{}, err
	}
	return AreaResult{Area: e.(tickets.AreaAdded), Position: pos}, nil
}

// RenameArea is an admin renaming a place (PATCH /api/lastest/area/{id}/).
type RenameArea struct {
	Actor  access.Actor
	AreaID int64
	Name   string
	Meta   eventlog.Metadata
}

// RenameArea appends AreaRenamed (nothing for the same name).
func (h *Handlers) RenameArea(ctx context.Context, cmd RenameArea) (Result, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return Result{}, err
	}
	now := h.now(&cmd.Meta)
	_, pos, err := h.onSetup(ctx, cmd.Meta, func(s tickets.Setup) (eventlog.Event, error) {
		e, err := tickets.RenameArea(s, cmd.AreaID, cmd.Name, by, now)
		if e == nil {
			return nil, err
		}
		return *e, err
	})
	return Result{Position: pos}, err
}

// AddCluster is an admin adding a cluster (POST /api/lastest/cluster/).
type AddCluster struct {
	Actor access.Actor
	Name  string
	Slag  string
	Meta  eventlog.Metadata
}

// ClusterResult is the cluster added and where it landed.
type ClusterResult struct {
	Cluster  tickets.ClusterAdded
	Position eventlog.Position
}

// AddCluster appends ClusterAdded to the setup stream.
func (h *Handlers) AddCluster(ctx context.Context, cmd AddCluster) (ClusterResult, error) {
	by, err := cmd.Actor.AdminUser()
	if err != nil {
		return ClusterResult{}, err
	}
	now := h.now(&cmd.Meta)
	e, pos, err := h.onSetup(ctx, cmd.Meta, func(s tickets.Setup) (eventlog.Event, error) {
		return tickets.AddCluster(s, cmd.Name, cmd.Slag, by, now)
	})
	if err != nil {
		return ClusterResult{}, err
	}
	return ClusterResult{Cluster: e.(tickets.ClusterAdded), Position: pos}, nil
}
