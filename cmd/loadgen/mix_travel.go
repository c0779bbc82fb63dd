package main

import "context"

// travelMix is the travel API's part of the mixed workload (10).
func travelMix(share float64) *mixAPI {
	return &mixAPI{
		Name:  "travel",
		Share: share,
		Setup: func(ctx context.Context, m *mixEnv) error { return nil },
	}
}
