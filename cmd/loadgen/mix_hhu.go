package main

import "context"

// hhuMix is the hhu API's part of the mixed workload (10).
func hhuMix(share float64) *mixAPI {
	return &mixAPI{
		Name:  "hhu",
		Share: share,
		Setup: func(ctx context.Context, m *mixEnv) error { return nil },
	}
}
