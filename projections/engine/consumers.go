package engine

import (
	"fmt"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Kind is what a consumer of the engine is.
type Kind string

// The kinds of consumers.
const (
	// KindProjector builds a read model (Projector): exactly once.
	KindProjector Kind = "projector"
	// KindReaction is a side effect of events (eventlog.Reaction): at least
	// once.
	KindReaction Kind = "reaction"
	// KindJob is time-driven work (eventlog.Job).
	KindJob Kind = "job"
)

// reactor is a reaction of the engine with its retry policy.
type reactor struct {
	re    eventlog.Reaction
	retry RetryPolicy
}

// addReactions registers cfg's reactions; their names must be valid and
// unique among every consumer.
func (e *Engine) addReactions(reactions []eventlog.Reaction) error {
	for _, re := range reactions {
		if err := re.Validate(); err != nil {
			return fmt.Errorf("engine: new: %w", err)
		}
		if err := e.claimName(re.Name, KindReaction); err != nil {
			return err
		}
		rc := &reactor{re: re, retry: reactionRetry(e.cfg.Retry, re)}
		e.reactions = append(e.reactions, rc)
		e.byReaction[re.Name] = rc
		e.signals[re.Name] = &projSignals{} // reset (ResetCheckpoint)
	}
	return nil
}

// addJobs registers cfg's jobs; their names must be valid and unique among
// every consumer.
func (e *Engine) addJobs(jobs []eventlog.Job) error {
	for _, j := range jobs {
		if err := j.Validate(); err != nil {
			return fmt.Errorf("engine: new: %w", err)
		}
		if err := e.claimName(j.Name, KindJob); err != nil {
			return err
		}
		e.jobs = append(e.jobs, j)
		e.byJob[j.Name] = j
	}
	return nil
}

func (e *Engine) claimName(name string, k Kind) error {
	if !ValidName(name) {
		return fmt.Errorf("engine: new: invalid %s name %q", k, name)
	}
	if other, dup := e.kinds[name]; dup {
		return fmt.Errorf("engine: new: a %s and a %s are both named %q", other, k, name)
	}
	e.kinds[name] = k
	return nil
}

// known returns the kind of the named consumer, or ErrUnknownProjection.
func (e *Engine) known(name string) (Kind, error) {
	k, ok := e.kinds[name]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownProjection, name)
	}
	return k, nil
}

// maxBackoff caps the doubling of a reaction's pauses between attempts.
const maxBackoff = time.Hour

// reactionRetry is the retry policy of a reaction: the engine's, with the
// reaction's attempts and first pause, doubled after each attempt.
func reactionRetry(base RetryPolicy, re eventlog.Reaction) RetryPolicy {
	p := base
	if re.MaxAttempts > 0 {
		p.MaxRetries = re.MaxAttempts - 1
		if p.MaxRetries == 0 {
			p.MaxRetries = -1 // RetryPolicy: zero would mean the default
		}
	}
	if re.Backoff > 0 {
		p.InitialInterval = re.Backoff
		p.Multiplier = 2
		last := re.Backoff
		for i := 2; i < p.Attempts() && last < maxBackoff; i++ {
			last *= 2
		}
		p.MaxInterval = max(p.MaxInterval, min(last, maxBackoff), re.Backoff)
	}
	return p
}
