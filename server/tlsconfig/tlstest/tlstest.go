// Package tlstest makes certificates for tests: a CA and leaves it issues,
// all generated in memory, so no test depends on files or the network.
package tlstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// CA is a self-signed certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	PEM  string
}

// Leaf is an issued certificate and its private key, in PEM.
type Leaf struct {
	Cert    *x509.Certificate
	CertPEM string
	KeyPEM  string // PKCS #8
	Key     crypto.Signer
}

func nextSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

// NewKey makes an ECDSA P-256 key.
func NewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// KeyPEM encodes a key as PKCS #8 PEM.
func KeyPEM(t testing.TB, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// NewCA makes a CA named cn, valid from an hour ago for ten years.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key := NewKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{Organization: []string{"Pier Test"}, CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{Cert: cert, Key: key, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// Pool is a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Issue makes a server certificate for names, valid until notAfter (from a
// day before it, or from an hour ago if that is earlier), with a new key.
func (ca *CA) Issue(t testing.TB, notAfter time.Time, names ...string) Leaf {
	t.Helper()
	return ca.IssueFor(t, NewKey(t), notAfter, names...)
}

// IssueFor is Issue with a given key.
func (ca *CA) IssueFor(t testing.TB, key crypto.Signer, notAfter time.Time, names ...string) Leaf {
	t.Helper()
	notBefore := notAfter.Add(-24 * time.Hour)
	if hourAgo := time.Now().Add(-time.Hour); hourAgo.Before(notBefore) {
		notBefore = hourAgo
	}
	cn := ""
	if len(names) > 0 {
		cn = names[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{Organization: []string{"Pier Test"}, CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.Cert, ca.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return Leaf{Cert: cert, CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeyPEM: KeyPEM(t, key), Key: key}
}

// SelfSigned makes a self-signed server certificate for names, valid for a year.
func SelfSigned(t testing.TB, names ...string) Leaf {
	t.Helper()
	var none *CA
	return none.Issue(t, time.Now().AddDate(1, 0, 0), names...)
}
