// Command crudpeer is the load generator's CRUD reference for the card use
// (issue 19, target 1), not product: the same endpoint shape as
// POST /api/card/cards/use/ written the plain way, Echo + pgx/v5 + HS256
// JWT over two tables it creates itself, so that make bench can put our
// event-sourced card use beside what a conventional server does on the same
// machine. Two variants of the writes:
//
//	tx:  BEGIN; UPDATE crud_cards … RETURNING; INSERT INTO crud_usage; COMMIT
//	cte: the same writes in one statement (a data-modifying CTE)
//
// Both check, as the card API does, that the card exists, is unused and is
// inside its validity window; a refusal is 400 with the API's error shape.
//
//	crudpeer -dsn postgres://… -addr 127.0.0.1:0 -secret s -variant tx -seed 100000
//
// It prints "listening on <addr>" once it serves.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	dsn := flag.String("dsn", "postgres://postgres@127.0.0.1:5432/postgres", "PostgreSQL DSN (the peer creates crud_cards and crud_usage)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	secret := flag.String("secret", "", "HS256 secret of the bearer tokens")
	variant := flag.String("variant", "tx", "tx (BEGIN … COMMIT) or cte (one statement)")
	conns := flag.Int("conns", 12, "pool size (our server's request pool, DB_POOL_MAX_CONNS, is 12 by default)")
	seed := flag.Int64("seed", 0, "reset the tables and insert this many unused cards card-1 … card-N")
	flag.Parse()
	if err := run(*dsn, *addr, *secret, *variant, *conns, *seed); err != nil {
		log.Fatal("crudpeer: ", err)
	}
}

func run(dsn, addr, secret, variant string, conns int, seed int64) error {
	if secret == "" {
		return fmt.Errorf("-secret is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("parse -dsn: %w", err)
	}
	cfg.MaxConns = int32(max(conns, 1))
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer db.Close()
	if err := createSchema(ctx, db); err != nil {
		return err
	}
	if seed > 0 {
		if err := seedCards(ctx, db, seed); err != nil {
			return err
		}
	}
	e, err := newServer(db, []byte(secret), variant)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	e.Listener = ln
	fmt.Println("listening on", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = e.Close()
	}()
	if err := e.Start(""); err != nil && ctx.Err() == nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
