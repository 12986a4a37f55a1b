package router

import (
	"strings"
	"testing"
)

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"myapp.localhost":        "myapp.localhost",
		"MyApp.LocalHost":        "myapp.localhost",
		"myapp.localhost:8080":   "myapp.localhost",
		"myapp.localhost.":       "myapp.localhost",
		"myapp.localhost.:443":   "myapp.localhost",
		"myapp.localhost:":       "myapp.localhost",
		"127.0.0.1:80":           "127.0.0.1",
		"[::1]:8080":             "::1",
		"[2001:DB8::1]":          "2001:db8::1",
		"under_score.example":    "under_score.example",
		"xn--bcher-kva.example.": "xn--bcher-kva.example",
	} {
		if got, ok := normalizeHost(in); !ok || got != want {
			t.Errorf("normalizeHost(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{
		"", ".", ":80", "a:b", "a:123456", "a b", "a/b", "a\x00b", "bücher.example", "a\"b", "::1", "[::1",
		"[::1]x", "[a.b]", "%2e", "a.b:80:80", "..", ".a", "a..b", "a..", "[fe80::1%eth0]", strings.Repeat("a", 300),
	} {
		if got, ok := normalizeHost(in); ok {
			t.Errorf("normalizeHost(%q) = %q, want refusal", in, got)
		}
	}
}

func FuzzHost(f *testing.F) {
	for _, s := range []string{"myapp.localhost", "MyApp.LocalHost:8080", "[::1]:80", "a.", "[", "]:", "a:b:c", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got, ok := normalizeHost(host)
		if ok {
			if got == "" || got != strings.ToLower(got) || strings.ContainsAny(got, " \"=/\\[]") {
				t.Fatalf("normalizeHost(%q) = %q", host, got)
			}
			if again, ok := normalizeHost(got); !strings.Contains(got, ":") && (!ok || again != got) {
				t.Fatalf("not idempotent: %q → %q → %q, %v", host, got, again, ok)
			}
		}
	})
}
