package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// stalledDialer dials with a 4 KiB receive buffer, so that what a client
// does not read stays with the server rather than in the kernel's buffers.
var stalledDialer = &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, c syscall.RawConn) error {
	var err error
	if cerr := c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); cerr != nil {
		return cerr
	}
	return err
}}

// benchStall opens c.Stalled connections that each send one request (the
// --stalled-body-file with the --stalled-header fields, to --url with
// --user and --password) and never read its answer, as slow or hostile
// clients do, and holds them until close is called.
func benchStall(ctx context.Context, c *benchConfig) (close func(), err error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("bench: --stalled needs a constant http or https --url, got %q", c.URL)
	}
	body, err := os.ReadFile(c.StalledBodyFile)
	if err != nil {
		return nil, fmt.Errorf("bench: --stalled-body-file: %w", err)
	}
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", c.Method, u.RequestURI(), u.Host, len(body))
	if c.User != "" || c.Password != "" {
		fmt.Fprintf(&req, "Authorization: Basic %s\r\n", base64.StdEncoding.EncodeToString([]byte(c.User+":"+c.Password)))
	}
	for _, h := range c.StalledHeaders {
		name, value, _ := strings.Cut(h, ":")
		fmt.Fprintf(&req, "%s: %s\r\n", http.CanonicalHeaderKey(strings.TrimSpace(name)), strings.TrimSpace(value))
	}
	req.WriteString("\r\n")
	req.Write(body)
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	var conns []net.Conn
	close = func() {
		for _, conn := range conns {
			conn.Close()
		}
	}
	for range c.Stalled {
		conn, err := stalledDialer.DialContext(ctx, "tcp", host)
		if err != nil {
			close()
			return nil, fmt.Errorf("bench: opening a stalled connection: %w", err)
		}
		conns = append(conns, conn)
		if u.Scheme == "https" {
			tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: c.Insecure, ServerName: u.Hostname()})
			if err := tc.HandshakeContext(ctx); err != nil {
				close()
				return nil, fmt.Errorf("bench: opening a stalled connection: %w", err)
			}
			conns[len(conns)-1] = tc
			conn = tc
		}
		if _, err := conn.Write([]byte(req.String())); err != nil {
			close()
			return nil, fmt.Errorf("bench: sending a stalled request: %w", err)
		}
	}
	return close, nil
}
