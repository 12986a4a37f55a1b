package secretkey_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pier-paas/pier/server/secretkey"
)

func TestSecretKeyLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", secretkey.FileName)
	// Servers starting at once agree on one key.
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := secretkey.LoadOrCreate(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != secretkey.Size || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys differ or have the wrong size: %x", keys)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st.Mode(), err)
	}
	if again, err := secretkey.LoadOrCreate(path); err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("reloaded a different key: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "data", ".secret*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	// 32 raw bytes are a key too.
	raw := filepath.Join(dir, "raw.key")
	os.WriteFile(raw, bytes.Repeat([]byte{7}, 32), 0o600)
	if k, err := secretkey.LoadOrCreate(raw); err != nil || !bytes.Equal(k, bytes.Repeat([]byte{7}, 32)) {
		t.Fatalf("%x %v", k, err)
	}
	// A key others can read, or a damaged one, is refused rather than replaced.
	open := filepath.Join(dir, "open.key")
	os.WriteFile(open, bytes.Repeat([]byte{7}, 32), 0o644)
	os.Chmod(open, 0o644)
	if _, err := secretkey.LoadOrCreate(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	if _, err := secretkey.LoadOrCreate(bad); err == nil {
		t.Fatal("a damaged key was accepted")
	}
	if b, _ := os.ReadFile(bad); string(b) != "not a key\n" {
		t.Fatal("a damaged key was overwritten")
	}
}

func TestSealerSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	s, err := secretkey.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("-----BEGIN PRIVATE KEY-----\nsecret\n")
	a, b := s.Seal(secret, []byte("row-1")), s.Seal(secret, []byte("row-1"))
	if bytes.Equal(a, b) || bytes.Contains(a, []byte("secret")) {
		t.Fatal("sealing is deterministic or leaks the plaintext")
	}
	if got, err := s.Open(a, []byte("row-1")); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := s.Open(a, []byte("row-2")); err == nil {
		t.Fatal("a value moved to another row opened")
	}
	tampered := append([]byte(nil), a...)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.Open(tampered, []byte("row-1")); err == nil {
		t.Fatal("a tampered value opened")
	}
	if _, err := s.Open([]byte("short"), nil); err == nil {
		t.Fatal("garbage opened")
	}
	other, _ := secretkey.NewSealer(bytes.Repeat([]byte{2}, 32))
	if _, err := other.Open(a, []byte("row-1")); !errors.Is(err, secretkey.ErrWrongKey) {
		t.Fatalf("another key: %v", err)
	}
	if _, err := secretkey.NewSealer(key[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}
