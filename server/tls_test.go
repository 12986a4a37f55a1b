package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pier-paas/pier/server/postgres/pgtest"
	"github.com/pier-paas/pier/server/tlsconfig/tlstest"
)

// A certificate uploaded for a custom domain is served by SNI on
// PIER_ROUTER_TLS_ADDR, which routes like the plain router; the app's
// other names get no certificate.
func TestRouterServesUploadedCertificates(t *testing.T) {
	cfg := Defaults()
	cfg.DatabaseURL, cfg.DataDir = pgtest.URL(t), t.TempDir()
	cfg.APIAddr, cfg.RouterAddr, cfg.RouterTLSAddr, cfg.RendezvousAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.AdminEmail, cfg.AdminPassword = "boss@example.com", "boss-password"
	s, stop := serve(t, cfg)
	defer stop()
	u, err := s.store.CheckPassword(context.Background(), "boss@example.com", "boss-password")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.store.CreateToken(context.Background(), u, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, body any) int {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, "http://"+s.APIAddr()+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok.Secret)
		req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	ca := tlstest.NewCA(t, "test CA")
	leaf := ca.Issue(t, time.Now().AddDate(0, 1, 0), "www.shop.test")
	if c := call("POST", "/apps", map[string]any{"name": "shop"}); c != 201 {
		t.Fatal(c)
	}
	if c := call("POST", "/apps/shop/domains", map[string]any{"hostname": "www.shop.test"}); c != 201 {
		t.Fatal(c)
	}
	if c := call("POST", "/apps/shop/sni-endpoints", map[string]any{"certificate_chain": leaf.CertPEM, "private_key": leaf.KeyPEM}); c != 201 {
		t.Fatal(c)
	}

	// The certificate and the route for the new domain each arrive on
	// their own (the event log, the scheduler's next snapshot): ask until
	// both are there.
	var b []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var conn *tls.Conn
		conn, err = tls.Dial("tcp", s.RouterTLSAddr(), &tls.Config{ServerName: "www.shop.test", RootCAs: ca.Pool()})
		if err == nil {
			conn.Write([]byte("GET / HTTP/1.1\r\nHost: www.shop.test\r\nConnection: close\r\n\r\n"))
			b, _ = io.ReadAll(conn)
			conn.Close()
			if strings.HasPrefix(string(b), "HTTP/1.1 503") {
				break
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("TLS handshake for www.shop.test: %v", err)
	}
	if !strings.HasPrefix(string(b), "HTTP/1.1 503") || !strings.Contains(string(b), "No web processes") {
		t.Errorf("over TLS: %.300s", b)
	}
	if _, err := tls.Dial("tcp", s.RouterTLSAddr(), &tls.Config{ServerName: "shop.localhost", RootCAs: ca.Pool()}); err == nil {
		t.Error("a handshake for a name without a certificate succeeded")
	}
}
