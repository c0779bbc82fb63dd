package app

import (
	"context"
	"log/slog"
)

// OpenLog opens the platform and builds the modules, so that the codec knows
// every event, without the projection engine or HTTP: what the audit/replay
// CLI (cmd/logctl) needs for reading, exporting, importing and verifying the
// log. Close releases it. Projection commands use New.
func OpenLog(ctx context.Context, cfg Config, logger *slog.Logger) (a *App, err error) {
	p, err := NewPlatform(ctx, cfg, Options{}, logger)
	if err != nil {
		return nil, err
	}
	a = &App{p: p}
	if a.modules, err = buildModules(ctx, p); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}
