package main

import "context"

// ralendarMix is the ralendar API's part of the mixed workload (10).
func ralendarMix(share float64) *mixAPI {
	return &mixAPI{
		Name:  "ralendar",
		Share: share,
		Setup: func(ctx context.Context, m *mixEnv) error { return nil },
	}
}
