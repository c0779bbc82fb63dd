package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/replay"
)

// cmdState prints an aggregate's state as of a version or a time, replayed
// through the domain (domain/replay, which the operator console shares).
func cmdState(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("state", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	stream := fs.String("stream", "", "the aggregate's stream, e.g. user-7 or cardbatch-3")
	version := fs.Int64("version", -1, "state after this stream version (inclusive); -1: the last")
	at := fs.String("at", "", "state as of this time (events recorded at or before it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stream == "" {
		return errors.New("-stream is required")
	}
	until := replay.Latest()
	if *at != "" {
		t, err := parseTime(*at)
		if err != nil {
			return err
		}
		until.At = t
	}
	if *version >= 0 {
		until.Version = uint64(*version)
	}
	a, err := openLog(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	var envs []eventlog.Envelope
	err = scanStream(ctx, a.Store(), *stream, func(rec eventlog.RecordedEvent) error {
		if !until.Includes(rec) {
			return errStop
		}
		env, err := a.Codec().Decode(rec)
		if err != nil {
			return err
		}
		envs = append(envs, env)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	out, err := replay.Fold(*stream, envs)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
