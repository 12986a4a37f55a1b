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

// Rendezvous certificate files in PIER_DATA_DIR: the key and certificate
// together (private), and the certificate alone, for clients to trust.
const (
	rendezvousKeyPairFile = "rendezvous.pem"
	RendezvousCertFile    = "rendezvous-cert.pem"
)

// rendezvousTLS loads the rendezvous key pair, making it first if there is
// none. Servers sharing PIER_DATA_DIR may start together: the pair is one
// file, linked into place whole, so the first one made is the one all use
// and a key never meets another server's certificate.
func (s *Server) rendezvousTLS() (*tls.Config, error) {
	pairPath := filepath.Join(s.Config.DataDir, rendezvousKeyPairFile)
	pair, err := os.ReadFile(pairPath)
	if errors.Is(err, os.ErrNotExist) {
		if err = makeRendezvousPair(pairPath); err == nil {
			pair, err = os.ReadFile(pairPath)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("rendezvous certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(pair, pair) // each finds its own blocks
	if err != nil {
		return nil, fmt.Errorf("rendezvous certificate %s: %w", pairPath, err)
	}
	// The certificate alone, rewritten from the pair on every start (the
	// same bytes whoever writes them), so it always matches.
	var certPEM []byte
	for _, der := range cert.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	if err := replaceFile(filepath.Join(s.Config.DataDir, RendezvousCertFile), certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("rendezvous certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// makeRendezvousPair writes a self-signed certificate, with its key, for
// the names a client may reach this machine by: localhost, its hostname and
// the addresses of its interfaces. A pair made meanwhile by another server
// is kept.
func makeRendezvousPair(path string) error {
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
	pair := append(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	tmp, err := writeTemp(path, pair, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// replaceFile writes data to path through a temporary file and a rename.
func replaceFile(path string, data []byte, mode os.FileMode) error {
	tmp, err := writeTemp(path, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp writes data to a new temporary file beside path, synced.
func writeTemp(path string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
