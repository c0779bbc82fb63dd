package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/transport/httpapi"
)

// serve runs the server of cfg over routes on a loopback port.
func serve(t *testing.T, cfg httpapi.Config, routes func(e *echo.Echo)) string {
	t.Helper()
	e := httpapi.NewEcho(cfg, slog.New(slog.DiscardHandler), routesFunc(routes))
	srv := httpapi.NewServer(cfg, e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

type routesFunc func(e *echo.Echo)

func (f routesFunc) Mount(e *echo.Echo) { f(e) }

// TestServerTimeouts shows that a client cannot hold a connection open by
// trickling a body or idling, that a handler cannot write past the write
// timeout unless it is a stream that lifts it, and that oversized headers
// are refused.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	cfg := httpapi.Config{ReadHeaderTimeout: time.Second, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, MaxHeaderBytes: 4 << 10}
	addr := serve(t, cfg, func(e *echo.Echo) {
		e.POST("/echo", func(c echo.Context) error {
			b, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return err
			}
			return c.String(http.StatusOK, string(b))
		})
		e.GET("/slow", func(c echo.Context) error {
			time.Sleep(time.Second)
			return c.String(http.StatusOK, "late")
		})
		e.GET("/stream", func(c echo.Context) error {
			if err := httpapi.LiftWriteDeadline(c); err != nil {
				return err
			}
			c.Response().WriteHeader(http.StatusOK)
			for i := range 4 {
				fmt.Fprintf(c.Response(), "tick %d\n", i)
				c.Response().Flush()
				time.Sleep(300 * time.Millisecond)
			}
			return nil
		})
	})

	t.Run("a trickled body is cut off at the read timeout", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		const size = 60
		fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		sent := 0
		for ; sent < size; sent++ {
			// One byte every 100 ms would take 6 s.
			if _, err := conn.Write([]byte("a")); err != nil {
				break
			}
			_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			var b [1]byte
			if n, err := conn.Read(b[:]); n > 0 || err != nil && !isTimeout(err) {
				break // the server answered or closed
			}
		}
		if sent == size {
			t.Fatal("the server read a body trickled over 6 s with a read timeout of 0.5 s")
		}
	})

	t.Run("an idle connection is closed", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := r.ReadByte(); err != io.EOF {
			t.Fatalf("after the idle timeout: %v, want EOF (the server closed the connection)", err)
		}
	})

	t.Run("a handler cannot answer past the write timeout", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Get("http://" + addr + "/slow")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("got %d %q after the write timeout", resp.StatusCode, b)
		}
	})

	t.Run("a stream writes past the write timeout", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Get("http://" + addr + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || !strings.Contains(string(b), "tick 3") {
			t.Fatalf("stream: %q, %v", b, err)
		}
	})

	t.Run("an oversized header is refused", func(t *testing.T) {
		t.Parallel()
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr+"/echo", strings.NewReader("x"))
		req.Header.Set("User-Agent", strings.Repeat("u", 64<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d, want 431", resp.StatusCode)
		}
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
