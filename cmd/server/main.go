// Command server runs the backend: all five seed APIs over one event log.
// With nothing configured it uses PostgreSQL as both the event store and the
// read-model database (see docs/config.md).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/fiveapis/backend/cmd/server/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := app.ConfigFromEnv(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.Start(ctx, cfg, app.Options{}, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	logger.Info("server ready", "addr", cfg.HTTP.Addr)
	return a.Run(ctx)
}
