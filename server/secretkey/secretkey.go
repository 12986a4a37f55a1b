// Package secretkey holds the server's secret key and seals small secrets
// with it, so that nothing Pier must keep secret (such as the private keys of
// apps' TLS certificates) is stored in plain text in the database.
//
// The key is 32 random bytes in PIER_DATA_DIR/secret.key, created with mode
// 0600 on first start. Losing it makes every sealed secret unreadable: back
// it up with the database, but never inside it.
package secretkey

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Size is the key's length: AES-256.
const Size = 32

// FileName is the key's file in PIER_DATA_DIR.
const FileName = "secret.key"

// LoadOrCreate reads the key at path (64 hex digits, or 32 raw bytes), or
// creates it with 32 random bytes, mode 0600, when it doesn't exist yet. Two
// servers starting at once end up with the same key. A key readable by
// anyone but its owner is refused.
func LoadOrCreate(path string) ([]byte, error) {
	key, err := load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	key = make([]byte, Size)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	// Write a temporary file, then link it into place: the key appears
	// whole or not at all, and a key created meanwhile by another process
	// is kept rather than overwritten.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret.key-*")
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret key: %w", err)
	}
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return load(path)
}

func load(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key %s is readable by others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 200))
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if len(b) == Size {
		return b, nil
	}
	key, err := hex.DecodeString(string(bytes.TrimSpace(b)))
	if err != nil || len(key) != Size {
		return nil, fmt.Errorf("secret key %s is not %d bytes written as hex: restore it from a backup (a new key can't read what the old one sealed)", path, Size)
	}
	return key, nil
}

// Sealer encrypts and authenticates small secrets with AES-256-GCM. It is
// safe for concurrent use.
type Sealer struct {
	aead   cipher.AEAD
	id     [8]byte // identifies the key in what it sealed, for a clear error
	macKey [32]byte
}

const version = 1

// NewSealer returns a Sealer for a 32-byte key (see LoadOrCreate).
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != Size {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), Size)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	sum := sha256.Sum256(append([]byte("pier secret key id\x00"), key...))
	copy(s.id[:], sum[:])
	s.macKey = sha256.Sum256(append([]byte("pier mac key\x00"), key...))
	return s, nil
}

// MAC authenticates msg for purpose under a key derived from the secret
// key: a capability URL made with it needs no secret stored beside it,
// and every server sharing the key accepts it.
func (s *Sealer) MAC(purpose string, msg []byte) []byte {
	m := hmac.New(sha256.New, s.macKey[:])
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(msg)
	return m.Sum(nil)
}

// ErrWrongKey means a secret was sealed with another key than this Sealer's.
var ErrWrongKey = errors.New("secret key: sealed with a different secret key (was PIER_DATA_DIR/secret.key replaced?)")

// Seal encrypts plaintext. bind (e.g. the owning row's id) is authenticated
// but not stored: Open must be given the same, so a sealed value can't be
// moved to another row.
func (s *Sealer) Seal(plaintext, bind []byte) []byte {
	out := make([]byte, 1+len(s.id), 1+len(s.id)+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = version
	copy(out[1:], s.id[:])
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, plaintext, s.ad(bind))
}

// Open decrypts what Seal returned, given the same bind.
func (s *Sealer) Open(sealed, bind []byte) ([]byte, error) {
	head := 1 + len(s.id) + s.aead.NonceSize()
	if len(sealed) < head+s.aead.Overhead() || sealed[0] != version {
		return nil, errors.New("secret key: not a sealed value")
	}
	if !bytes.Equal(sealed[1:1+len(s.id)], s.id[:]) {
		return nil, ErrWrongKey
	}
	nonce := sealed[1+len(s.id) : head]
	pt, err := s.aead.Open(nil, nonce, sealed[head:], s.ad(bind))
	if err != nil {
		return nil, errors.New("secret key: a sealed value failed authentication (altered, or moved from another row)")
	}
	return pt, nil
}

// ad is the authenticated data: the format's header and the binding.
func (s *Sealer) ad(bind []byte) []byte {
	ad := make([]byte, 0, 1+len(s.id)+len(bind))
	ad = append(ad, version)
	ad = append(ad, s.id[:]...)
	return append(ad, bind...)
}
