// Command bare is the benchmark's baseline: a bare net/http handler that
// answers every request with the bytes of a file, as the server would
// answer it, with no parsing, authentication or database.
//
// Usage: bare --response FILE [--addr 127.0.0.1:19780] [--content-type TYPE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:19780", "listen address")
	response := flag.String("response", "", "file whose bytes every response carries")
	contentType := flag.String("content-type", "text/xml; charset=UTF-8", "Content-Type of the responses")
	flag.Parse()
	if *response == "" {
		fmt.Fprintln(os.Stderr, "bare: --response is required")
		os.Exit(2)
	}
	body, err := os.ReadFile(*response)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
	ct := []string{*contentType}
	srv := &http.Server{
		Addr: *addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header()["Content-Type"] = ct
			w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "bare: serving %d bytes on http://%s\n", len(body), *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
