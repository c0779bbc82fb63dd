package main

import "context"

// magpieMix is the magpie API's part of the mixed workload (10).
func magpieMix(share float64) *mixAPI {
	return &mixAPI{
		Name:  "magpie",
		Share: share,
		Setup: func(ctx context.Context, m *mixEnv) error { return nil },
	}
}
