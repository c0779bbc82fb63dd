package main

import "context"

// roamioMix is the roamio API's part of the mixed workload (10).
func roamioMix(share float64) *mixAPI {
	return &mixAPI{
		Name:  "roamio",
		Share: share,
		Setup: func(ctx context.Context, m *mixEnv) error { return nil },
	}
}
