package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runHealth asks a server's readiness endpoint, for container health
// checks: exit status 0 when it answers 200.
func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("isadmin health", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:9763/health/ready", "the endpoint to ask")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: isadmin health [--url URL] [--timeout DURATION]\n\nAsks a server's readiness endpoint, for container health checks: exit status 0\nwhen it answers 200, 1 otherwise.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return failure(fmt.Errorf("--url: %w", err))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return failure(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return failure(fmt.Errorf("%s: HTTP %d %s", *url, resp.StatusCode, body))
	}
	fmt.Fprintf(stdout, "%s", body)
	return nil
}
