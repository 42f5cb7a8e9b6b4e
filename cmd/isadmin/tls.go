package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// tlsConfig is the HTTPS listener's TLS configuration.
//
// Session tickets are off. A TLS 1.3 server sends its tickets right after
// the handshake; a client that sends a one-way request and closes without
// reading anything (PHP's SoapClient does exactly that) closes a socket
// with those tickets unread, so its kernel answers with a reset instead of
// a FIN, and a reset makes the server's kernel drop the request bytes it
// has not yet handed over: the call is lost. Without tickets nothing is
// left unread, and clients resume no sessions, which only costs a full
// handshake per connection.
//
// TLS 1.2 offers AEAD suites with forward secrecy only (TLS 1.3's are all
// such): no CBC, no SHA-1 MAC, no static RSA key exchange.
func tlsConfig(cert func() *tls.Certificate) *tls.Config {
	return &tls.Config{
		// Asked at every handshake, so that a reloaded certificate
		// (SIGHUP) serves the next connection.
		GetCertificate:         func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return cert(), nil },
		MinVersion:             tls.VersionTLS12,
		SessionTicketsDisabled: true,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// loadCertificate returns the configured certificate, or the self-signed one
// kept in the data directory, made on first use.
func loadCertificate(dataDir, certFile, keyFile string, now func() time.Time) (tls.Certificate, error) {
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return cert, fmt.Errorf("tls: %w", err)
		}
		return cert, nil
	}
	certFile = filepath.Join(dataDir, "tls.crt")
	keyFile = filepath.Join(dataDir, "tls.key")
	if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
		if err := writeSelfSigned(certFile, keyFile, now()); err != nil {
			return tls.Certificate{}, fmt.Errorf("tls: making a self-signed certificate: %w", err)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return cert, fmt.Errorf("tls: %w", err)
	}
	return cert, nil
}

func writeSelfSigned(certFile, keyFile string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	hosts := []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "localhost" {
		hosts = append(hosts, h)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"isadmin"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              hosts,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	// The certificate is public, but like every file in the data directory
	// it is its owner's alone; copy it out to give it to clients.
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), dataFileMode); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), dataFileMode)
}
