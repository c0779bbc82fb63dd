package app

import (
	"context"

	"github.com/fiveapis/backend/domain/eventlog"
)

// cardEvents lists the card module's events for the codec.
func cardEvents() []eventlog.Event { return nil }

// mountCards wires the card system (002): projectors, HTTP routes and the QR
// zip worker. It appends to a.projectors, a.modules and a.workers.
func (a *App) mountCards(ctx context.Context) error { return nil }
