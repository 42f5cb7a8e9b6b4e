package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// servedSerial is the serial number of the certificate the HTTPS listener
// of addr presents to a new connection.
func servedSerial(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func fileSerial(t *testing.T, certFile string) string {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, strings.TrimSuffix(certFile, ".crt")+".key")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return cert.SerialNumber.String()
}

// TestReloadCertificate: a renewed certificate serves the next connections
// after Reload; one that cannot be read leaves the one in use.
func TestReloadCertificate(t *testing.T) {
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := writeSelfSigned(crt, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	first := fileSerial(t, crt)
	s := startServer(t, "is-7.3", func(c *Config) { c.TLSCert, c.TLSKey = crt, key })
	addr := strings.TrimPrefix(s.HTTPSURL, "https://")
	if got := servedSerial(t, addr); got != first {
		t.Fatalf("served %s, want %s", got, first)
	}
	os.Remove(crt)
	os.Remove(key)
	if err := writeSelfSigned(crt, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	second := fileSerial(t, crt)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, addr); got != second {
		t.Errorf("after Reload served %s, want the renewed %s", got, second)
	}
	os.WriteFile(crt, []byte("broken"), 0o600)
	if err := s.Reload(); err == nil {
		t.Error("a broken certificate was taken")
	}
	if got := servedSerial(t, addr); got != second {
		t.Errorf("after a failed Reload served %s, want %s", got, second)
	}
}

// TestSIGHUP: SIGHUP does not end a serving process; it reads the
// certificate again.
func TestSIGHUP(t *testing.T) {
	bin := isadminBinary(t)
	dir := t.TempDir()
	p := startServerProcess(t, bin, dir, "--https-addr", "127.0.0.1:0")
	client := &http.Client{Timeout: 5 * time.Second}
	p.waitReady(t, client)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	resp, err := client.Get(p.URL + "/health/live")
	if err != nil {
		t.Fatalf("after SIGHUP: %v\n%s", err, p.log.String())
	}
	resp.Body.Close()
	if !strings.Contains(p.log.String(), "reload") {
		t.Errorf("no reload in the log:\n%s", p.log.String())
	}
}
