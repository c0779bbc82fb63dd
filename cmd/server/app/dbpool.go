package app

import "strings"

// explicitPoolSize reports whether the database URL sets the pool's size
// (pool_max_conns); the server then keeps it even below its default floor of
// 32 connections, so that several processes (or tests) can share a
// PostgreSQL whose max_connections is small.
func explicitPoolSize(dsn string) bool { return strings.Contains(dsn, "pool_max_conns=") }
