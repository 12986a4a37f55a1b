package herokuapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/secretkey"
	"github.com/pier-paas/pier/server/tlsconfig/tlstest"
)

func withSealer(t *testing.T) func(*herokuapi.API) {
	s, err := secretkey.NewSealer(bytes.Repeat([]byte{9}, secretkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	return func(a *herokuapi.API) { a.Sealer = s }
}

// keyMarker is a piece of a key's PEM body, to look for where it mustn't be.
func keyMarker(keyPEM string) string { return strings.Split(keyPEM, "\n")[1][8:40] }

func TestSNIEndpointsAPI(t *testing.T) {
	e := newEnv(t, withSealer(t))
	ann := e.user("ann@example.com", false)
	bob := e.user("bob@example.com", false)
	eve := e.user("eve@example.com", false)
	e.createApp(ann, "shop")
	for _, h := range []string{"www.example.com", "api.example.com", "a.b.example.com"} {
		e.must(201, ann, "POST", "/apps/shop/domains", map[string]any{"hostname": h})
	}
	ca := tlstest.NewCA(t, "Test CA")
	year := time.Now().AddDate(1, 0, 0)
	leaf := ca.Issue(t, year, "www.example.com")
	var keys []string // every key sent: none may come back
	var bodies [][]byte
	track := func(r response) response { bodies = append(bodies, r.body); return r }
	body := func(l tlstest.Leaf, chain ...string) map[string]any {
		keys = append(keys, l.KeyPEM)
		return map[string]any{"certificate_chain": l.CertPEM + strings.Join(chain, ""), "private_key": l.KeyPEM}
	}

	// Create.
	var ep struct {
		ID, Name         string
		CertificateChain string   `json:"certificate_chain"`
		DisplayName      *string  `json:"display_name"`
		Domains          []string `json:"domains"`
		App              struct{ ID, Name string }
		CreatedAt        string `json:"created_at"`
		UpdatedAt        string `json:"updated_at"`
		SSLCert          struct {
			CASigned    *bool    `json:"ca_signed?"`
			SelfSigned  *bool    `json:"self_signed?"`
			CertDomains []string `json:"cert_domains"`
			Subject     string   `json:"subject"`
			Issuer      string   `json:"issuer"`
			StartsAt    string   `json:"starts_at"`
			ExpiresAt   string   `json:"expires_at"`
		} `json:"ssl_cert"`
	}
	r := track(e.must(201, ann, "POST", "/apps/shop/sni-endpoints", body(leaf, ca.PEM)))
	r.JSON(t, &ep)
	m := r.Map(t)
	if _, ok := m["private_key"]; ok {
		t.Fatal("the private key came back")
	}
	if ep.ID == "" || ep.Name == "" || ep.App.Name != "shop" || ep.DisplayName != nil || ep.CertificateChain != leaf.CertPEM+ca.PEM ||
		strings.Join(ep.Domains, ",") != "www.example.com" || strings.Join(ep.SSLCert.CertDomains, ",") != "www.example.com" ||
		ep.SSLCert.CASigned == nil || ep.SSLCert.SelfSigned == nil || *ep.SSLCert.SelfSigned ||
		ep.SSLCert.Subject != "/O=Pier Test/CN=www.example.com" || ep.SSLCert.Issuer != "/O=Pier Test/CN=Test CA" ||
		ep.SSLCert.ExpiresAt != leaf.Cert.NotAfter.UTC().Format(time.RFC3339) || !strings.HasSuffix(ep.CreatedAt, "Z") {
		t.Fatalf("%s", r.body)
	}
	name, id := ep.Name, ep.ID

	// A wildcard certificate covers one label of the app's domains.
	wild := ca.Issue(t, year, "*.example.com")
	track(e.must(201, ann, "POST", "/apps/shop/sni-endpoints", body(wild))).JSON(t, &ep)
	if strings.Join(ep.Domains, ",") != "api.example.com,www.example.com" {
		t.Fatalf("wildcard covers %v", ep.Domains)
	}
	wildName := ep.Name

	// List, and read by name or id.
	var list []map[string]any
	track(e.must(200, ann, "GET", "/apps/shop/sni-endpoints", nil)).JSON(t, &list)
	if len(list) != 2 {
		t.Fatalf("%v", list)
	}
	r = track(e.must(206, ann, "GET", "/apps/shop/sni-endpoints", nil, "Range: name ..; max=1"))
	if r.Header.Get("Next-Range") == "" {
		t.Fatal("no Next-Range")
	}
	for _, ident := range []string{name, id} {
		if got := track(e.must(200, ann, "GET", "/apps/shop/sni-endpoints/"+ident, nil)).Map(t); got["id"] != id {
			t.Fatalf("%s: %v", ident, got)
		}
	}
	e.mustError(404, "not_found", ann, "GET", "/apps/shop/sni-endpoints/tokyo-0000", nil)

	// A collaborator manages certificates too; a stranger can't see them.
	e.must(201, ann, "POST", "/apps/shop/collaborators", map[string]any{"user": "bob@example.com"})
	renewed := ca.Issue(t, year.AddDate(1, 0, 0), "www.example.com")
	track(e.must(200, bob, "PATCH", "/apps/shop/sni-endpoints/"+name, body(renewed))).JSON(t, &ep)
	if ep.ID != id || ep.Name != name || ep.SSLCert.ExpiresAt != renewed.Cert.NotAfter.UTC().Format(time.RFC3339) ||
		ep.CertificateChain != renewed.CertPEM {
		t.Fatalf("update: %+v", ep)
	}
	stranger := body(renewed)
	for _, rq := range []struct{ method, path string }{
		{"GET", "/apps/shop/sni-endpoints"}, {"POST", "/apps/shop/sni-endpoints"},
		{"GET", "/apps/shop/sni-endpoints/" + name}, {"PATCH", "/apps/shop/sni-endpoints/" + name},
		{"DELETE", "/apps/shop/sni-endpoints/" + name},
	} {
		msg := e.mustError(http.StatusForbidden, "forbidden", eve, rq.method, rq.path, stranger)
		if !strings.Contains(msg, "shop") {
			t.Fatalf("%s %s: %s", rq.method, rq.path, msg)
		}
	}

	// Bad input: 422 naming what to fix, never a 500.
	expired := ca.Issue(t, time.Now().Add(-time.Hour), "www.example.com")
	other := ca.Issue(t, year, "www.example.com")
	keys = append(keys, expired.KeyPEM, other.KeyPEM)
	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{"private_key": leaf.KeyPEM}, "certificate_chain is required"},
		{map[string]any{"certificate_chain": leaf.CertPEM}, "private_key is required"},
		{map[string]any{"certificate_chain": "hello", "private_key": leaf.KeyPEM}, "not a PEM certificate"},
		{map[string]any{"certificate_chain": leaf.CertPEM, "private_key": "hello"}, "not a PEM private key"},
		{map[string]any{"certificate_chain": leaf.CertPEM, "private_key": other.KeyPEM}, "does not match"},
		{map[string]any{"certificate_chain": expired.CertPEM, "private_key": expired.KeyPEM}, "expired on"},
		{map[string]any{"certificate_chain": leaf.CertPEM + leaf.KeyPEM, "private_key": leaf.KeyPEM}, "holds a private key"},
		{map[string]any{"certificate_chain": leaf.KeyPEM, "private_key": leaf.CertPEM}, "holds a private key"},
		{map[string]any{"certificate_chain": leaf.CertPEM + strings.Repeat("x", 70000), "private_key": leaf.KeyPEM}, "64 KiB"},
		{map[string]any{"certificate_chain": 42, "private_key": leaf.KeyPEM}, "certificate_chain must be a string"},
	} {
		for _, rq := range []struct{ method, path string }{{"POST", "/apps/shop/sni-endpoints"}, {"PATCH", "/apps/shop/sni-endpoints/" + name}} {
			r := track(e.must(422, ann, rq.method, rq.path, tc.body))
			var eb struct{ ID, Message string }
			r.JSON(t, &eb)
			if eb.ID != "invalid_params" || !strings.Contains(eb.Message, tc.want) {
				t.Errorf("%s: %s, want %q", rq.method, r.body, tc.want)
			}
		}
	}
	// Hostile bodies get client errors too.
	for _, b := range []string{`{`, `null`, `[]`, `"x"`, `{"certificate_chain":{"a":1}}`, `{"certificate_chain":"\u0000","private_key":"\u0000"}`, "\xff"} {
		for _, rq := range []struct{ method, path string }{{"POST", "/apps/shop/sni-endpoints"}, {"PATCH", "/apps/shop/sni-endpoints/" + name}} {
			if r := track(e.do(ann, rq.method, rq.path, b)); r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Fatalf("%s %q: %d %s", rq.method, b, r.StatusCode, r.body)
			}
		}
	}
	e.mustError(404, "not_found", ann, "PATCH", "/apps/shop/sni-endpoints/nope-1000", body(renewed))
	e.mustError(404, "not_found", ann, "GET", "/apps/shop/sni-endpoints/%00", nil)

	// Delete answers the deleted endpoint.
	if got := track(e.must(200, ann, "DELETE", "/apps/shop/sni-endpoints/"+wildName, nil)).Map(t); got["name"] != wildName {
		t.Fatalf("%v", got)
	}
	e.mustError(404, "not_found", ann, "DELETE", "/apps/shop/sni-endpoints/"+wildName, nil)
	track(e.must(200, ann, "GET", "/apps/shop/sni-endpoints", nil)).JSON(t, &list)
	if len(list) != 1 || list[0]["name"] != name {
		t.Fatalf("%v", list)
	}

	// No key came back in any answer, nor reached the events, the audit trail
	// or any other table.
	var dump strings.Builder
	ctx := context.Background()
	rows, _ := e.store.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		var s string
		e.store.Pool().QueryRow(ctx, `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM `+pgx.Identifier{tb}.Sanitize()+` t`).Scan(&s)
		dump.WriteString(s)
	}
	if !strings.Contains(dump.String(), "sni_endpoint.destroy") || !strings.Contains(dump.String(), "added SSL certificate "+name) {
		t.Fatal("the dump missed the events or the audit trail")
	}
	for _, k := range keys {
		mk := keyMarker(k)
		if strings.Contains(dump.String(), mk) {
			t.Fatalf("a private key is in the database in the clear")
		}
		for _, b := range bodies {
			if bytes.Contains(b, []byte(mk)) {
				t.Fatalf("a private key came back: %s", b)
			}
		}
	}
}

// Without a secret key the server takes no certificates, and says why.
func TestSNIEndpointsWithoutSealer(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "shop")
	leaf := tlstest.SelfSigned(t, "www.example.com")
	e.mustError(503, "unavailable", e.admin, "POST", "/apps/shop/sni-endpoints",
		map[string]any{"certificate_chain": leaf.CertPEM, "private_key": leaf.KeyPEM})
	if r := e.must(200, e.admin, "GET", "/apps/shop/sni-endpoints", nil); strings.TrimSpace(string(r.body)) != "[]" {
		t.Fatalf("%s", r.body)
	}
}
