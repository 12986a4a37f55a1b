// Package tlsconfig picks the certificate the router's TLS listener serves,
// by the name the client asks for (SNI). The set is swapped whole and
// atomically; a handshake only reads it, with map lookups.
package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// Named is a certificate and the hostnames it is served for: exact names, or
// wildcards such as *.example.com (one label).
type Named struct {
	Names       []string
	Certificate *tls.Certificate
}

// Certificates is the set of certificates a TLS listener serves. The zero
// value is empty (every handshake fails) and ready to use; it is safe for
// concurrent use.
type Certificates struct {
	t atomic.Pointer[table]
}

type table struct {
	exact    map[string]*tls.Certificate
	wildcard map[string]*tls.Certificate // by the wildcard's parent: "example.com" for *.example.com
}

// Set serves certs, each for the DNS names it is issued for, in place of
// whatever was served before.
func (c *Certificates) Set(certs []tls.Certificate) {
	named := make([]Named, 0, len(certs))
	for i := range certs {
		leaf, err := leafOf(&certs[i])
		if err != nil {
			continue
		}
		named = append(named, Named{Names: leaf.DNSNames, Certificate: &certs[i]})
	}
	c.SetNamed(named)
}

// SetNamed serves each certificate for the names given with it, in place of
// whatever was served before. When several claim a name, the one that
// expires last wins. Entries without a readable certificate are skipped.
func (c *Certificates) SetNamed(named []Named) {
	t := &table{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}}
	expiry := map[*tls.Certificate]*x509.Certificate{}
	put := func(m map[string]*tls.Certificate, k string, cert *tls.Certificate) {
		if old, ok := m[k]; ok && !expiry[cert].NotAfter.After(expiry[old].NotAfter) {
			return
		}
		m[k] = cert
	}
	for _, n := range named {
		if n.Certificate == nil {
			continue
		}
		leaf, err := leafOf(n.Certificate)
		if err != nil {
			continue
		}
		// A copy with its leaf parsed: the handshake then doesn't parse it.
		cert := *n.Certificate
		cert.Leaf = leaf
		expiry[&cert] = leaf
		for _, name := range n.Names {
			name = strings.TrimSuffix(strings.ToLower(name), ".")
			if parent, ok := strings.CutPrefix(name, "*."); ok {
				if parent != "" && !strings.Contains(parent, "*") {
					put(t.wildcard, parent, &cert)
				}
			} else if name != "" && !strings.Contains(name, "*") {
				put(t.exact, name, &cert)
			}
		}
	}
	c.t.Store(t)
}

func leafOf(c *tls.Certificate) (*x509.Certificate, error) {
	if c.Leaf != nil {
		return c.Leaf, nil
	}
	if len(c.Certificate) == 0 {
		return nil, errors.New("tlsconfig: empty certificate")
	}
	return x509.ParseCertificate(c.Certificate[0])
}

// Len is how many names (exact and wildcard) have a certificate.
func (c *Certificates) Len() int {
	t := c.t.Load()
	if t == nil {
		return 0
	}
	return len(t.exact) + len(t.wildcard)
}

// ErrNoServerName fails a handshake whose client sent no SNI: there is no
// default certificate.
var ErrNoServerName = errors.New("tlsconfig: the client sent no server name (SNI)")

// GetCertificate is tls.Config.GetCertificate: the certificate for the exact
// name asked for, else for its wildcard (a.example.com → *.example.com),
// else an error, which fails the handshake.
func (c *Certificates) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.TrimSuffix(hello.ServerName, ".")
	if name == "" {
		return nil, ErrNoServerName
	}
	name = strings.ToLower(name) // no copy when already lower case
	if t := c.t.Load(); t != nil {
		if cert, ok := t.exact[name]; ok {
			return cert, nil
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			if cert, ok := t.wildcard[name[i+1:]]; ok {
				return cert, nil
			}
		}
	}
	return nil, fmt.Errorf("tlsconfig: no certificate for %q", name)
}

// Config is a server tls.Config that serves these certificates, TLS 1.2 and
// up. http.Server.ServeTLS adds HTTP/2 to it.
func (c *Certificates) Config() *tls.Config {
	return &tls.Config{GetCertificate: c.GetCertificate, MinVersion: tls.VersionTLS12}
}
