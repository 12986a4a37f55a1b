package tlsconfig_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/tlsconfig"
	"github.com/pier-paas/pier/server/tlsconfig/tlstest"
)

func pair(t *testing.T, l tlstest.Leaf, chain ...string) tls.Certificate {
	t.Helper()
	c, err := tls.X509KeyPair([]byte(l.CertPEM+strings.Join(chain, "")), []byte(l.KeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pick(c *tlsconfig.Certificates, name string) (*tls.Certificate, error) {
	return c.GetCertificate(&tls.ClientHelloInfo{ServerName: name})
}

func TestCertSelection(t *testing.T) {
	ca := tlstest.NewCA(t, "Test CA")
	year := time.Now().AddDate(1, 0, 0)
	exact := ca.Issue(t, year, "www.example.com", "example.com")
	wild := ca.Issue(t, year, "*.example.com")
	other := ca.Issue(t, year, "shop.example.org")

	var c tlsconfig.Certificates
	if _, err := pick(&c, "www.example.com"); err == nil {
		t.Fatal("an empty set served a certificate")
	}
	c.Set([]tls.Certificate{pair(t, exact), pair(t, wild), pair(t, other)})
	for _, tc := range []struct {
		name string
		want *tlstest.Leaf // nil: the handshake fails
	}{
		{"www.example.com", &exact},
		{"WWW.Example.COM", &exact},
		{"www.example.com.", &exact},
		{"example.com", &exact},
		{"api.example.com", &wild}, // one label under the wildcard
		{"a.b.example.com", nil},   // two labels: no
		{"shop.example.org", &other},
		{"example.org", nil},
		{"nothing.test", nil},
		{"", nil}, // no SNI: there is no default certificate
		{".example.com", nil},
	} {
		got, err := pick(&c, tc.name)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%q: served %v, want a failed handshake", tc.name, got.Leaf.DNSNames)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.name, err)
			continue
		}
		if got.Leaf == nil || !got.Leaf.Equal(tc.want.Cert) {
			t.Errorf("%q: served the wrong certificate", tc.name)
		}
	}

	// The set is replaced whole.
	c.Set([]tls.Certificate{pair(t, other)})
	if _, err := pick(&c, "www.example.com"); err == nil {
		t.Fatal("a removed certificate is still served")
	}
	if c.Len() != 1 {
		t.Fatalf("Len %d", c.Len())
	}
}

// SetNamed serves a certificate for the names given, not all it is valid
// for; of two certificates for a name, the one expiring last wins.
func TestCertSetNamed(t *testing.T) {
	ca := tlstest.NewCA(t, "Test CA")
	soon := ca.Issue(t, time.Now().Add(48*time.Hour), "www.example.com", "*.example.com")
	later := ca.Issue(t, time.Now().AddDate(1, 0, 0), "www.example.com")
	s, l := pair(t, soon), pair(t, later)
	var c tlsconfig.Certificates
	c.SetNamed([]tlsconfig.Named{
		{Names: []string{"www.example.com"}, Certificate: &s},
		{Names: []string{"www.example.com"}, Certificate: &l},
		{Names: []string{"bad"}, Certificate: &tls.Certificate{}}, // unreadable: skipped
		{Names: []string{"nil.example.com"}},
	})
	got, err := pick(&c, "www.example.com")
	if err != nil || !got.Leaf.Equal(later.Cert) {
		t.Fatalf("www: %v", err)
	}
	// soon is valid for *.example.com but wasn't named for it.
	if _, err := pick(&c, "api.example.com"); err == nil {
		t.Fatal("served a certificate for a name it wasn't given")
	}
	// The other order gives the same answer.
	c.SetNamed([]tlsconfig.Named{{Names: []string{"www.example.com"}, Certificate: &l}, {Names: []string{"www.example.com", "*.Example.com"}, Certificate: &s}})
	if got, _ := pick(&c, "www.example.com"); !got.Leaf.Equal(later.Cert) {
		t.Fatal("the certificate expiring first won")
	}
	if got, err := pick(&c, "api.example.com"); err != nil || !got.Leaf.Equal(soon.Cert) {
		t.Fatalf("wildcard: %v", err)
	}
}

// Handshakes read the set while it is being replaced.
func TestCertSetWhileServing(t *testing.T) {
	ca := tlstest.NewCA(t, "Test CA")
	a := pair(t, ca.Issue(t, time.Now().AddDate(1, 0, 0), "a.example.com"))
	var c tlsconfig.Certificates
	c.Set([]tls.Certificate{a})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := pick(&c, "a.example.com"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < 200; i++ {
		c.Set([]tls.Certificate{a})
	}
	close(stop)
	wg.Wait()
}

// A real TLS listener with GetCertificate from Certificates serves each
// client the certificate for the name it asks for, which verifies against
// the test CA; an unknown name fails the handshake.
func TestCertHandshake(t *testing.T) {
	ca := tlstest.NewCA(t, "Test CA")
	year := time.Now().AddDate(1, 0, 0)
	www := ca.Issue(t, year, "www.example.com")
	wild := ca.Issue(t, year, "*.apps.example.com")
	var certs tlsconfig.Certificates
	certs.Set([]tls.Certificate{pair(t, www, ca.PEM), pair(t, wild)})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.TLS.ServerName)
	}), ErrorLog: log.New(io.Discard, "", 0)} // failed handshakes are expected
	go srv.Serve(tls.NewListener(ln, certs.Config()))
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	dial := func(name string) (*tls.Conn, error) {
		return tls.Dial("tcp", addr, &tls.Config{ServerName: name, RootCAs: ca.Pool()})
	}
	for name, want := range map[string]tlstest.Leaf{"www.example.com": www, "shop.apps.example.com": wild} {
		conn, err := dial(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := conn.ConnectionState().PeerCertificates[0]
		if !got.Equal(want.Cert) {
			t.Fatalf("%s: served %v", name, got.DNSNames)
		}
		conn.Close()
	}
	if conn, err := dial("nothing.example.com"); err == nil {
		conn.Close()
		t.Fatal("a handshake for an unknown name succeeded")
	}
	// And HTTP over it, the way a browser asks for https://www.example.com/.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://www.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "hello www.example.com" {
		t.Fatalf("%s", b)
	}
}
