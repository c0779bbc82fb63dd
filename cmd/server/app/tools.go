package app

import (
	"context"
	"log/slog"

	"github.com/fiveapis/backend/transport/eventstore/codec"
)

// OpenLog opens only the event log, the read-model database and the codec
// of cfg, without the modules, the projection engine or HTTP: what the
// audit/replay CLI (cmd/logctl) needs for reading, exporting, importing and
// verifying the log. Close releases it. Projection commands use New.
func OpenLog(ctx context.Context, cfg Config, logger *slog.Logger) (a *App, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a = &App{cfg: cfg, logger: logger, clock: wallClock{}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := a.openDatabase(ctx); err != nil {
		return a, err
	}
	if err := a.openEventStore(ctx); err != nil {
		return a, err
	}
	if a.codec, err = NewCodec(); err != nil {
		return a, err
	}
	return a, nil
}

// Codec is the codec of every event type and upcaster.
func (a *App) Codec() *codec.Registry { return a.codec }

// Config is the configuration the App was built with.
func (a *App) Config() Config { return a.cfg }
