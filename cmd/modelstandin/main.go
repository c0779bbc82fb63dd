// Command modelstandin runs the stand-in model server (package
// transport/models/modelserver/standin) for development: classical image
// methods in place of the trained networks, on modelserver's protocol.
//
//	go run ./cmd/modelstandin -addr 127.0.0.1:8601
//	TRAVEL_MODEL_SERVER_URL=http://127.0.0.1:8601 go run ./cmd/server
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/fiveapis/backend/transport/models/modelserver/standin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8601", "listen address")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: standin.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Println("stand-in model server (no networks: heuristic weather, sepia style, Lanczos upscaling) on", *addr)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "modelstandin:", err)
		os.Exit(1)
	}
}
