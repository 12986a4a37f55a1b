package docker_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/docker"
	"github.com/pier-paas/pier/server/docker/dockertest"
)

// testCA issues certificates for the TLS test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pier test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a leaf certificate and key in PEM, for a server (by IP) or
// a client.
func (ca *testCA) issue(t *testing.T, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "pier"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// tlsFront serves the local engine's API over TCP with TLS that requires a
// client certificate from ca, as `dockerd --tlsverify` does.
func tlsFront(t *testing.T, ca *testCA) string {
	t.Helper()
	certPEM, keyPEM := ca.issue(t, true)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	sock := strings.TrimPrefix(docker.DefaultEndpoint(), "unix://")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if err := c.(*tls.Conn).Handshake(); err != nil {
					return
				}
				u, err := net.Dial("unix", sock)
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(c, u)
			}()
		}
	}()
	return "tcp://" + ln.Addr().String()
}

func writeTLSDir(t *testing.T, ca *testCA, cert, key []byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"ca.pem": ca.pem, "cert.pem": cert, "key.pem": key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A tcp:// engine that requires TLS client certificates is reached with
// the files in a TLS directory, and refused without them.
func TestConnectWithTLSClientCertificates(t *testing.T) {
	dockertest.Engine(t)
	ca := newCA(t)
	endpoint := tlsFront(t, ca)
	cert, key := ca.issue(t, false)
	dir := writeTLSDir(t, ca, cert, key)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	info, err := docker.Prober{}.Probe(ctx, endpoint, dir)
	if err != nil {
		t.Fatalf("with certificates: %v", err)
	}
	if info.CPUs == 0 || info.EngineVersion == "" {
		t.Errorf("info = %+v", info)
	}
	if _, err := (docker.Prober{}).Probe(ctx, endpoint, ""); err == nil {
		t.Error("reached a TLS engine without certificates")
	}
	other := newCA(t)
	oc, ok := other.issue(t, false)
	if _, err := (docker.Prober{}).Probe(ctx, endpoint, writeTLSDir(t, ca, oc, ok)); err == nil {
		t.Error("a client certificate from another CA was accepted")
	}
	os.Remove(filepath.Join(dir, "key.pem"))
	if _, err := (docker.Prober{}).Probe(ctx, endpoint, dir); err == nil || !strings.Contains(err.Error(), "key.pem") {
		t.Errorf("missing key.pem: %v", err)
	}
}
