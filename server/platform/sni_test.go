package platform_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/tlsconfig/tlstest"
)

func TestCertificateParse(t *testing.T) {
	now := time.Now()
	ca := tlstest.NewCA(t, "Test CA")
	leaf := ca.Issue(t, now.AddDate(1, 0, 0), "www.example.com", "*.example.com")

	// CA-signed, given with its chain in the wrong order: the leaf goes first.
	c, err := platform.ParseCertificate(ca.PEM+leaf.CertPEM, leaf.KeyPEM, now, ca.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.ChainPEM, leaf.CertPEM) || !strings.HasSuffix(c.ChainPEM, ca.PEM) {
		t.Fatalf("chain not reordered:\n%s", c.ChainPEM)
	}
	in := c.Info
	if !in.CASigned || in.SelfSigned || strings.Join(in.CertDomains, ",") != "www.example.com,*.example.com" ||
		in.Subject != "/O=Pier Test/CN=www.example.com" || in.Issuer != "/O=Pier Test/CN=Test CA" ||
		!in.ExpiresAt.Equal(leaf.Cert.NotAfter) || !in.StartsAt.Equal(leaf.Cert.NotBefore) {
		t.Fatalf("%+v", in)
	}
	if b, _ := pem.Decode(c.KeyPEM); b == nil || b.Type != "PRIVATE KEY" {
		t.Fatalf("key not PKCS #8 PEM")
	}
	// Without the CA among the roots it is not trusted; nor self-signed.
	c, err = platform.ParseCertificate(leaf.CertPEM, leaf.KeyPEM, now, x509.NewCertPool())
	if err != nil || c.Info.CASigned || c.Info.SelfSigned {
		t.Fatalf("%+v %v", c.Info, err)
	}
	self := tlstest.SelfSigned(t, "self.example.com")
	c, err = platform.ParseCertificate(self.CertPEM, self.KeyPEM, now, nil)
	if err != nil || !c.Info.SelfSigned || c.Info.CASigned || c.Info.Subject != c.Info.Issuer {
		t.Fatalf("%+v %v", c.Info, err)
	}

	// Keys in the older PEM forms are read and normalised.
	ecKey, _ := leaf.Key.(*ecdsa.PrivateKey)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	ecPEM := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	if _, err := platform.ParseCertificate(leaf.CertPEM, ecPEM, now, nil); err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaLeaf := ca.IssueFor(t, rsaKey, now.AddDate(0, 1, 0), "rsa.example.com")
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))
	if _, err := platform.ParseCertificate(rsaLeaf.CertPEM, pkcs1, now, nil); err != nil {
		t.Fatal(err)
	}
}

// Every bad input is an Invalid error naming what to fix, and none quotes the key.
func TestCertificateRejects(t *testing.T) {
	now := time.Now()
	ca := tlstest.NewCA(t, "Test CA")
	good := ca.Issue(t, now.AddDate(1, 0, 0), "www.example.com")
	other := ca.Issue(t, now.AddDate(1, 0, 0), "www.example.com")
	expired := ca.Issue(t, now.Add(-time.Hour), "old.example.com")
	noNames := ca.Issue(t, now.AddDate(1, 0, 0))

	weakKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak := ca.IssueFor(t, weakKey, now.AddDate(1, 0, 0), "weak.example.com")
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	p224Leaf := ca.IssueFor(t, p224, now.AddDate(1, 0, 0), "p224.example.com")
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	xDER, err := x509.MarshalPKCS8PrivateKey(x25519)
	if err != nil {
		t.Fatal(err)
	}
	xPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: xDER}))
	encrypted := "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----\n"
	legacyEncrypted := strings.Replace(good.KeyPEM, "-----BEGIN PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n", 1)
	garbledCert := strings.Replace(good.CertPEM, "-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\nAAAA", 1)

	for _, tc := range []struct {
		name, chain, key, want string
	}{
		{"no chain", "", good.KeyPEM, "certificate_chain is missing"},
		{"no key", good.CertPEM, " \n", "private_key is missing"},
		{"chain not PEM", "hello", good.KeyPEM, "certificate_chain is not a PEM certificate"},
		{"chain garbled", garbledCert, good.KeyPEM, "can't be read"},
		{"key in the chain", good.CertPEM + good.KeyPEM, good.KeyPEM, "certificate_chain holds a private key"},
		{"other block in chain", "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", good.KeyPEM, `"FOO" PEM block`},
		{"key not PEM", good.CertPEM, "hello", "private_key is not a PEM private key"},
		{"key garbled", good.CertPEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "holds no PKCS #8"},
		{"cert as key", good.CertPEM, good.CertPEM, "private_key holds a certificate"},
		{"two keys", good.CertPEM, good.KeyPEM + other.KeyPEM, "more than one key"},
		{"encrypted key", good.CertPEM, encrypted, "encrypted"},
		{"legacy encrypted key", good.CertPEM, legacyEncrypted, "encrypted"},
		{"mismatched key", good.CertPEM, other.KeyPEM, "does not match the certificate"},
		{"expired", expired.CertPEM, expired.KeyPEM, "expired on"},
		{"no DNS names", noNames.CertPEM, noNames.KeyPEM, "names no hostname"},
		{"weak RSA", weak.CertPEM, weak.KeyPEM, "1024-bit RSA key"},
		{"P-224", p224Leaf.CertPEM, p224Leaf.KeyPEM, "curve P-224"},
		{"X25519 key", good.CertPEM, xPEM, "can't sign TLS handshakes"},
		{"chain too big", good.CertPEM + strings.Repeat("x", 64<<10), good.KeyPEM, "certificate_chain is 6"},
		{"key too big", good.CertPEM, good.KeyPEM + strings.Repeat("x", 64<<10), "private_key is 6"},
	} {
		_, err := platform.ParseCertificate(tc.chain, tc.key, now, nil)
		if platform.KindOf(err) != platform.KindInvalid {
			t.Errorf("%s: %v, want an Invalid error", tc.name, err)
			continue
		}
		msg := err.Error()
		t.Logf("%s: %s", tc.name, msg)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want it to say %q", tc.name, msg, tc.want)
		}
		for _, k := range []string{good.KeyPEM, other.KeyPEM} {
			if strings.Contains(msg, keyMarker(k)) {
				t.Errorf("%s: the message quotes a key: %q", tc.name, msg)
			}
		}
	}
}

// keyMarker is a piece of a key's PEM body, to look for where it mustn't be.
func keyMarker(keyPEM string) string {
	lines := strings.Split(keyPEM, "\n")
	return lines[1][10:40]
}

func TestCertificateCovers(t *testing.T) {
	for _, tc := range []struct {
		cert, host string
		want       bool
	}{
		{"www.example.com", "www.example.com", true},
		{"WWW.example.com", "www.example.com.", true},
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "*.example.com", true}, // a wildcard custom domain
		{"a.example.com", "*.example.com", false},
		{"*.example.com", "*.a.example.com", false},
		{"www.example.com", "example.com", false},
		{"", "", false},
	} {
		if got := platform.CertificateCovers(tc.cert, tc.host); got != tc.want {
			t.Errorf("CertificateCovers(%q, %q) = %v", tc.cert, tc.host, got)
		}
	}
	got := platform.CoveredHostnames([]string{"*.example.com", "example.org"}, []string{"a.example.com", "example.com", "example.org", "x.y.example.com"})
	if strings.Join(got, ",") != "a.example.com,example.org" {
		t.Fatal(got)
	}
	if got := platform.CoveredHostnames([]string{"a.test"}, nil); got == nil || len(got) != 0 {
		t.Fatal(got)
	}
}

func TestSNIEndpointNames(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		n := platform.GenerateSNIEndpointName()
		if platform.ValidateAppName(n) != nil { // the same shape as app names
			t.Fatalf("%q", n)
		}
		seen[n] = true
	}
	if len(seen) < 40 {
		t.Fatalf("names repeat: %v", seen)
	}
}
