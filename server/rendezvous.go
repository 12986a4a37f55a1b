package server

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

// The heroku CLI's `heroku run` attaches to its one-off over TLS (Heroku's
// rendezvous protocol, see herokuapi/rendezvous.go). Pier serves it on
// PIER_RENDEZVOUS_ADDR with a certificate of its own, made on the first
// start and kept in PIER_DATA_DIR; the CLI (Node) trusts it when pointed
// at it: NODE_EXTRA_CA_CERTS=PIER_DATA_DIR/rendezvous-cert.pem.

// Rendezvous certificate files in PIER_DATA_DIR.
const (
	RendezvousCertFile = "rendezvous-cert.pem"
	rendezvousKeyFile  = "rendezvous-key.pem"
)

// rendezvousTLS loads the rendezvous certificate, making it first if
// there is none.
func (s *Server) rendezvousTLS() (*tls.Config, error) {
	certPath := filepath.Join(s.Config.DataDir, RendezvousCertFile)
	keyPath := filepath.Join(s.Config.DataDir, rendezvousKeyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if errors.Is(err, os.ErrNotExist) {
		if err = makeRendezvousCert(certPath, keyPath); err == nil {
			cert, err = tls.LoadX509KeyPair(certPath, keyPath)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("rendezvous certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// makeRendezvousCert writes a self-signed certificate for the names a
// client may reach this machine by: localhost, its hostname and the
// addresses of its interfaces.
func makeRendezvousCert(certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Pier rendezvous", Organization: []string{"Pier"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that NODE_EXTRA_CA_CERTS accepts it as its own anchor
		DNSNames:              []string{"localhost"},
	}
	if host != "" && host != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				tmpl.IPAddresses = append(tmpl.IPAddresses, n.IP)
			}
		}
	}
	if len(tmpl.IPAddresses) == 0 {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	// The key first, so that a crash between the two leaves no certificate
	// without its key.
	if err := writePEM(keyPath, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der, 0o644)
}

// writePEM writes one PEM block to path through a temporary file.
func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
