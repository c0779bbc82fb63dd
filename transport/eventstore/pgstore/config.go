package pgstore

import (
	"errors"
	"fmt"
	"time"
)

// Config configures a Store. The zero value is valid: New fills in defaults.
type Config struct {
	// DisableGroupCommit makes every Append run its own transaction in the
	// caller's goroutine instead of sharing one with concurrent appends.
	DisableGroupCommit bool
	// GroupCommitWindow is how long the writer waits for more requests after
	// the first one of a batch. Zero (the default) adds no latency: a batch
	// then holds whatever queued up while the previous batch was committing.
	GroupCommitWindow time.Duration
	// MaxBatchEvents caps the number of events the writer collects into one
	// transaction (a single larger request is still written, alone).
	// Default 2000.
	MaxBatchEvents int
	// QueueSize is the capacity of the group-commit queue. Default 1024.
	QueueSize int

	// ReadPageSize is the number of events ReadAll returns when
	// ReadAllOptions.Max is 0. Default 500.
	ReadPageSize int
	// SubscriptionPageSize is the number of events a subscription reads per
	// query. Default 256.
	SubscriptionPageSize int
	// TailCapacity is how many of the newest events the store keeps in
	// memory for the subscriptions that have caught up, which then share one
	// read of each new event instead of querying on every notification (see
	// tail.go). Default 8192; negative disables the tail.
	TailCapacity int
	// TailPageSize is the number of events the tail reads per query. Default
	// 1000.
	TailPageSize int
	// AnalyzeEvery is how many new events (at least; or as many as the log
	// held at the last ANALYZE) make the store ANALYZE its tables, so that
	// its prepared statements are planned with current statistics even where
	// autovacuum is off (see analyze.go). Default 10,000; negative disables
	// it.
	AnalyzeEvery int
	// PollInterval is the safety poll of subscriptions, for notifications
	// that were missed; they normally wake on LISTEN/NOTIFY. Default 2s.
	PollInterval time.Duration
	// ReconnectDelay is the pause before the notification listener
	// reconnects after an error. Default 500ms.
	ReconnectDelay time.Duration
}

// Default values of Config.
const (
	DefaultMaxBatchEvents       = 2000
	DefaultQueueSize            = 1024
	DefaultReadPageSize         = 500
	DefaultSubscriptionPageSize = 256
	DefaultTailCapacity         = 8192
	DefaultTailPageSize         = 1000
	DefaultAnalyzeEvery         = 10_000
	DefaultPollInterval         = 2 * time.Second
	DefaultReconnectDelay       = 500 * time.Millisecond
)

func (c *Config) setDefaults() {
	if c.MaxBatchEvents == 0 {
		c.MaxBatchEvents = DefaultMaxBatchEvents
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.ReadPageSize == 0 {
		c.ReadPageSize = DefaultReadPageSize
	}
	if c.SubscriptionPageSize == 0 {
		c.SubscriptionPageSize = DefaultSubscriptionPageSize
	}
	if c.TailCapacity == 0 {
		c.TailCapacity = DefaultTailCapacity
	}
	if c.TailPageSize == 0 {
		c.TailPageSize = DefaultTailPageSize
	}
	if c.AnalyzeEvery == 0 {
		c.AnalyzeEvery = DefaultAnalyzeEvery
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.ReconnectDelay == 0 {
		c.ReconnectDelay = DefaultReconnectDelay
	}
}

// Validate reports every invalid field of a Config whose defaults were set.
func (c Config) Validate() error {
	var errs []error
	if c.GroupCommitWindow < 0 {
		errs = append(errs, fmt.Errorf("GroupCommitWindow must not be negative, got %s", c.GroupCommitWindow))
	}
	if c.MaxBatchEvents <= 0 {
		errs = append(errs, fmt.Errorf("MaxBatchEvents must be positive, got %d", c.MaxBatchEvents))
	}
	if c.QueueSize <= 0 {
		errs = append(errs, fmt.Errorf("QueueSize must be positive, got %d", c.QueueSize))
	}
	if c.ReadPageSize <= 0 {
		errs = append(errs, fmt.Errorf("ReadPageSize must be positive, got %d", c.ReadPageSize))
	}
	if c.SubscriptionPageSize <= 0 {
		errs = append(errs, fmt.Errorf("SubscriptionPageSize must be positive, got %d", c.SubscriptionPageSize))
	}
	if c.TailPageSize <= 0 {
		errs = append(errs, fmt.Errorf("TailPageSize must be positive, got %d", c.TailPageSize))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("PollInterval must be positive, got %s", c.PollInterval))
	}
	if c.ReconnectDelay <= 0 {
		errs = append(errs, fmt.Errorf("ReconnectDelay must be positive, got %s", c.ReconnectDelay))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pgstore: invalid config: %w", err)
	}
	return nil
}
