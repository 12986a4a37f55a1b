package postgres_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres/pgtest"
	"github.com/pier-paas/pier/server/secretkey"
	"github.com/pier-paas/pier/server/tlsconfig"
	"github.com/pier-paas/pier/server/tlsconfig/tlstest"
)

func testSealer(t *testing.T, b byte) *secretkey.Sealer {
	t.Helper()
	s, err := secretkey.NewSealer(bytes.Repeat([]byte{b}, secretkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dumpDB renders every row of every table as text.
func dumpDB(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	rows, _ := pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 5 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	var b strings.Builder
	for _, tb := range tables {
		var s string
		if err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM `+pgx.Identifier{tb}.Sanitize()+` t`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s)
	}
	return b.String()
}

// keyMarkers are pieces of a PKCS #8 PEM key, as text and as the hex
// Postgres shows bytea in.
func keyMarkers(t *testing.T, keyPEM string) []string {
	t.Helper()
	blk, _ := pem.Decode([]byte(keyPEM))
	lines := strings.Split(keyPEM, "\n")
	return []string{lines[1][8:40], hex.EncodeToString(blk.Bytes[36:60])}
}

func TestSNIEndpointStore(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Store(t)
	sealer := testSealer(t, 1)
	ann := newUser(t, s, "ann@example.com", false)
	app, err := s.CreateApp(ctx, ann, "shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"www.example.com", "api.example.com", "deep.api.example.com", "other.test"} {
		if _, err := s.AddDomain(ctx, ann, app, h); err != nil {
			t.Fatal(err)
		}
	}
	ca := tlstest.NewCA(t, "Test CA")
	leaf := ca.Issue(t, time.Now().AddDate(1, 0, 0), "www.example.com", "*.example.com")

	e, err := s.AddSNIEndpoint(ctx, sealer, ann, app, leaf.CertPEM+ca.PEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name == "" || e.App.Name != "shop" || strings.Join(e.Domains, ",") != "api.example.com,www.example.com" ||
		strings.Join(e.Cert.CertDomains, ",") != "www.example.com,*.example.com" || e.CertificateChain != leaf.CertPEM+ca.PEM ||
		!e.Cert.ExpiresAt.Equal(leaf.Cert.NotAfter) {
		t.Fatalf("%+v", e)
	}
	for _, ident := range []string{e.Name, e.ID.String(), strings.ToUpper(e.Name)} {
		got, err := s.SNIEndpoint(ctx, app, ident)
		if err != nil || got.ID != e.ID || len(got.Domains) != 2 {
			t.Fatalf("%s: %+v %v", ident, got, err)
		}
	}
	if _, err := s.SNIEndpoint(ctx, app, "nope-1234"); !errors.Is(err, platform.ErrSNIEndpointNotFound) {
		t.Fatal(err)
	}
	// Bad input is refused before anything is written.
	other := ca.Issue(t, time.Now().AddDate(1, 0, 0), "www.example.com")
	if _, err := s.AddSNIEndpoint(ctx, sealer, ann, app, leaf.CertPEM, other.KeyPEM); platform.KindOf(err) != platform.KindInvalid {
		t.Fatal(err)
	}

	// A second certificate, then the first one replaced.
	second := ca.Issue(t, time.Now().AddDate(0, 6, 0), "other.test")
	e2, err := s.AddSNIEndpoint(ctx, sealer, ann, app, second.CertPEM, second.KeyPEM)
	if err != nil || e2.Name == e.Name || strings.Join(e2.Domains, ",") != "other.test" {
		t.Fatalf("%+v %v", e2, err)
	}
	renewed := ca.Issue(t, time.Now().AddDate(2, 0, 0), "www.example.com")
	up, err := s.UpdateSNIEndpoint(ctx, sealer, ann, app, e.Name, renewed.CertPEM, renewed.KeyPEM)
	if err != nil || up.ID != e.ID || up.Name != e.Name || !up.Cert.ExpiresAt.Equal(renewed.Cert.NotAfter) ||
		strings.Join(up.Domains, ",") != "www.example.com" || up.UpdatedAt.Before(e.UpdatedAt) {
		t.Fatalf("%+v %v", up, err)
	}
	list, err := s.SNIEndpoints(ctx, app)
	if err != nil || len(list) != 2 {
		t.Fatalf("%+v %v", list, err)
	}

	// The keys are sealed: nothing in the database shows them.
	dump := dumpDB(t, s.Pool())
	for _, k := range []string{leaf.KeyPEM, second.KeyPEM, renewed.KeyPEM} {
		for _, m := range keyMarkers(t, k) {
			if strings.Contains(dump, m) {
				t.Fatalf("the database holds a private key in the clear (%s)", m)
			}
		}
	}
	// (The same search finds what is stored in the clear: the certificates.)
	if !strings.Contains(dump, "sni_endpoint.update") || !strings.Contains(dump, keyMarkers(t, renewed.CertPEM)[0]) {
		t.Fatal("the dump missed the events or the certificates")
	}

	removed, err := s.RemoveSNIEndpoint(ctx, ann, app, e2.ID.String())
	if err != nil || removed.Name != e2.Name {
		t.Fatal(err)
	}
	if _, err := s.RemoveSNIEndpoint(ctx, ann, app, e2.Name); !errors.Is(err, platform.ErrSNIEndpointNotFound) {
		t.Fatal(err)
	}

	// Each change wrote one event naming the endpoint, and nothing more.
	evs, err := s.Events(ctx, 0, &app.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		if !strings.HasPrefix(ev.Kind, "sni_endpoint.") {
			continue
		}
		kinds = append(kinds, ev.Kind)
		if len(ev.Data) != 2 || ev.Data["id"] == nil || ev.Data["name"] == nil || ev.Actor != "ann@example.com" {
			t.Fatalf("%s: %v", ev.Kind, ev.Data)
		}
	}
	if strings.Join(kinds, ",") != "sni_endpoint.create,sni_endpoint.create,sni_endpoint.update,sni_endpoint.destroy" {
		t.Fatal(kinds)
	}

	// Another app's endpoints are out of reach; destroying the app removes them.
	bob := newUser(t, s, "bob@example.com", false)
	bobs, _ := s.CreateApp(ctx, bob, "bobs")
	if _, err := s.SNIEndpoint(ctx, bobs, e.Name); !errors.Is(err, platform.ErrSNIEndpointNotFound) {
		t.Fatal(err)
	}
	if _, err := s.UpdateSNIEndpoint(ctx, sealer, bob, bobs, e.ID.String(), renewed.CertPEM, renewed.KeyPEM); !errors.Is(err, platform.ErrSNIEndpointNotFound) {
		t.Fatal(err)
	}
	if err := s.DestroyApp(ctx, ann, app); err != nil {
		t.Fatal(err)
	}
	var n int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM sni_endpoints`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d endpoints outlived their app", n)
	}
}

// The store's certificates, loaded for the router, serve TLS handshakes: each
// for its app's own custom domains only.
func TestSNICertificatesServeHandshakes(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Store(t)
	sealer := testSealer(t, 1)
	ann := newUser(t, s, "ann@example.com", false)
	bob := newUser(t, s, "bob@example.com", false)
	shop, _ := s.CreateApp(ctx, ann, "shop")
	blog, _ := s.CreateApp(ctx, bob, "blog")
	for _, d := range []struct {
		app  platform.App
		user platform.User
		host string
	}{{shop, ann, "www.example.com"}, {shop, ann, "api.example.com"}, {shop, ann, "*.wild.test"}, {blog, bob, "blog.example.com"}} {
		if _, err := s.AddDomain(ctx, d.user, d.app, d.host); err != nil {
			t.Fatal(err)
		}
	}
	ca := tlstest.NewCA(t, "Test CA")
	year := time.Now().AddDate(1, 0, 0)
	shopCert := ca.Issue(t, year, "www.example.com", "*.example.com")
	wildCert := ca.Issue(t, year, "*.wild.test")
	// Bob uploads a certificate for Ann's domain: it must not be served for it.
	bobsCert := ca.Issue(t, year.Add(time.Hour), "www.example.com", "blog.example.com")
	unused := ca.Issue(t, year, "nowhere.test")
	for _, u := range []struct {
		app  platform.App
		user platform.User
		leaf tlstest.Leaf
	}{{shop, ann, shopCert}, {shop, ann, wildCert}, {blog, bob, bobsCert}, {shop, ann, unused}} {
		if _, err := s.AddSNIEndpoint(ctx, sealer, u.user, u.app, u.leaf.CertPEM, u.leaf.KeyPEM); err != nil {
			t.Fatal(err)
		}
	}

	named, err := s.SNICertificates(ctx, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if len(named) != 3 { // the unused certificate covers no domain
		t.Fatalf("%d certificates", len(named))
	}
	var certs tlsconfig.Certificates
	certs.SetNamed(named)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, certs.Config())
	t.Cleanup(func() { tl.Close() })
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			go func() {
				c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	served := func(name string) (*x509.Certificate, error) {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{ServerName: name, RootCAs: ca.Pool()})
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0], nil
	}
	for name, want := range map[string]tlstest.Leaf{
		"www.example.com": shopCert, "api.example.com": shopCert, "a.wild.test": wildCert, "blog.example.com": bobsCert,
	} {
		got, err := served(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Equal(want.Cert) {
			t.Fatalf("%s: served the certificate for %v", name, got.DNSNames)
		}
	}
	// Not a domain of any app, or only a certificate's name: no handshake.
	for _, name := range []string{"shop.example.com", "nowhere.test", "a.b.wild.test", "localhost"} {
		if _, err := served(name); err == nil {
			t.Fatalf("%s: a handshake succeeded", name)
		}
	}

	// With another secret key nothing can be unsealed: nothing is served, and
	// loading still works.
	named, err = s.SNICertificates(ctx, testSealer(t, 2))
	if err != nil || len(named) != 0 {
		t.Fatalf("%d %v", len(named), err)
	}
}
