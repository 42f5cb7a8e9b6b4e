// Command bare is the benchmark's baseline: a bare net/http handler that
// answers every request with the bytes of a file, as the server would
// answer it (the same headers, chunked as it is), with no parsing,
// authentication or database.
//
// Usage: bare --response FILE [--addr 127.0.0.1:19780] [--content-type TYPE] [--header "Name: value"]... [--chunked]
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
	"strings"
	"syscall"
	"time"
)

// headerFlags are the --header flags.
type headerFlags []struct {
	name  string
	value []string
}

func (h *headerFlags) String() string { return "" }

func (h *headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("want \"Name: value\", got %q", s)
	}
	*h = append(*h, struct {
		name  string
		value []string
	}{http.CanonicalHeaderKey(strings.TrimSpace(name)), []string{strings.TrimSpace(value)}})
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:19780", "listen address")
	response := flag.String("response", "", "file whose bytes every response carries")
	contentType := flag.String("content-type", "text/xml;charset=UTF-8", "Content-Type of the responses")
	chunked := flag.Bool("chunked", false, "send the response chunked, as isadmin does")
	var extra headerFlags
	flag.Var(&extra, "header", `a further response header, "Name: value" (repeatable)`)
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
			h := w.Header()
			h["Content-Type"] = ct
			for _, x := range extra {
				h[x.name] = x.value
			}
			w.Write(body)
			// As isadmin answers: net/http chunks a body over 2048 bytes
			// by itself; a smaller one is flushed to go out chunked.
			if *chunked && len(body) <= 2048 {
				w.(http.Flusher).Flush()
			}
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
