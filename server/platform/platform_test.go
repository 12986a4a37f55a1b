package platform

import (
	"regexp"
	"strings"
	"testing"
)

func TestAppNames(t *testing.T) {
	for _, ok := range []string{"abc", "my-app-2", "a" + strings.Repeat("b", 29)} {
		if err := ValidateAppName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", "Abc", "1abc", "abc-", "a_b", "a" + strings.Repeat("b", 30), "ab\x00c"} {
		if err := ValidateAppName(bad); KindOf(err) != KindInvalid {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
	re := regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)
	for i := 0; i < 200; i++ {
		if n := GenerateAppName(); !re.MatchString(n) {
			t.Fatalf("generated %q", n)
		}
	}
}

func TestConfigRules(t *testing.T) {
	if err := ValidateConfigVars(map[string]string{"DATABASE_URL": "postgres://x", "_X1": ""}); err != nil {
		t.Fatal(err)
	}
	for _, vars := range []map[string]string{
		{"1A": "x"}, {"A-B": "x"}, {"": "x"}, {"A": "nul\x00"}, {"BIG": strings.Repeat("x", MaxConfigBytes)},
	} {
		if err := ValidateConfigVars(vars); KindOf(err) != KindInvalid {
			t.Errorf("%v accepted", vars)
		}
	}
	if d := ConfigChangeDescription([]string{"B", "A"}, []string{"C"}); d != "Set A, B config vars and Remove C config vars" {
		t.Fatal(d)
	}
	if d := ConfigChangeDescription(nil, []string{"FOO"}); d != "Remove FOO config vars" {
		t.Fatal(d)
	}
}

func TestSizesAndHostnames(t *testing.T) {
	if s, err := LookupSize("standard-2x"); err != nil || s.Name != "Standard-2X" || s.MemoryMB != 1024 {
		t.Fatal(s, err)
	}
	if _, err := LookupSize("Huge"); err == nil || !strings.Contains(err.Error(), "Standard-1X") {
		t.Fatalf("unknown size error should list the sizes: %v", err)
	}
	for _, ok := range []string{"www.example.com", "*.example.com", "a.b.c.example.co.uk", "xn--bcher-kva.example"} {
		if err := ValidateHostname(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"example", "-a.com", "a..com", "a.com-", "ex ample.com", "*.*.com", strings.Repeat("a", 250) + ".com"} {
		if err := ValidateHostname(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if e, err := NormalizeEmail("  Ann@Example.COM "); err != nil || e != "ann@example.com" {
		t.Fatal(e, err)
	}
	for _, bad := range []string{"", "ann", "a@b@c", "a\x00@b.c", "a b@c.d", "a@" + strings.Repeat("b", 260)} {
		if _, err := NormalizeEmail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
