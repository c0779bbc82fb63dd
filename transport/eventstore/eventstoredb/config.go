package eventstoredb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// Config configures the EventStoreDB adapter. Zero fields take the defaults
// below; Validate reports what is still wrong.
type Config struct {
	// ConnectionString is an EventStoreDB connection string, such as
	// "esdb://localhost:2113?tls=false" or
	// "esdb+discover://admin:changeit@cluster.local:2113". Required.
	ConnectionString string

	// PageSize is the number of events ReadAll returns when
	// ReadAllOptions.Max is 0. Default 500.
	PageSize int
	// ReadBatchSize is the number of $all events fetched per request while
	// ReadAll filters (the client cannot filter $all reads on the server).
	// Default 1000.
	ReadBatchSize int

	// OperationTimeout bounds Append, ReadStream, ReadAll, DeleteStream and
	// the start of a subscription when the caller's context has no earlier
	// deadline. It also guards against the client blocking without a
	// deadline while it rediscovers a node. Default 30s.
	OperationTimeout time.Duration

	// ResubscribeMinBackoff and ResubscribeMaxBackoff bound the exponential
	// wait between attempts to resubscribe after a subscription dropped.
	// Defaults 50ms and 5s.
	ResubscribeMinBackoff time.Duration
	ResubscribeMaxBackoff time.Duration

	// Logger receives the adapter's log lines, and the client's at Debug
	// level: the client logs every dropped call as an error, including the
	// ones the adapter cancels itself, and the adapter reports what matters.
	// Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.PageSize == 0 {
		c.PageSize = 500
	}
	if c.ReadBatchSize == 0 {
		c.ReadBatchSize = 1000
	}
	if c.OperationTimeout == 0 {
		c.OperationTimeout = 30 * time.Second
	}
	if c.ResubscribeMinBackoff == 0 {
		c.ResubscribeMinBackoff = 50 * time.Millisecond
	}
	if c.ResubscribeMaxBackoff == 0 {
		c.ResubscribeMaxBackoff = max(5*time.Second, c.ResubscribeMinBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports an unusable configuration. New calls it after filling in
// the defaults.
func (c Config) Validate() error {
	var errs []error
	if c.ConnectionString == "" {
		errs = append(errs, errors.New("missing connection string"))
	} else if _, err := esdb.ParseConnectionString(c.ConnectionString); err != nil {
		errs = append(errs, fmt.Errorf("connection string: %w", err))
	}
	if c.PageSize < 0 {
		errs = append(errs, fmt.Errorf("page size %d is negative", c.PageSize))
	}
	if c.ReadBatchSize < 0 {
		errs = append(errs, fmt.Errorf("read batch size %d is negative", c.ReadBatchSize))
	}
	if c.OperationTimeout < 0 {
		errs = append(errs, fmt.Errorf("operation timeout %s is negative", c.OperationTimeout))
	}
	if c.ResubscribeMinBackoff < 0 || c.ResubscribeMaxBackoff < c.ResubscribeMinBackoff {
		errs = append(errs, fmt.Errorf("resubscribe backoff [%s, %s] is not a range", c.ResubscribeMinBackoff, c.ResubscribeMaxBackoff))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("eventstoredb config: %w", err)
	}
	return nil
}

// clientLogger adapts the client's printf-style logging to slog.
func clientLogger(l *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...interface{}) {
		ctx := context.Background()
		if !l.Enabled(ctx, slog.LevelDebug) {
			return
		}
		l.Log(ctx, slog.LevelDebug, "esdb client: "+fmt.Sprintf(format, args...), "client_level", level)
	}
}
