package platform

import (
	"crypto/rand"
	"encoding/base64"
)

// GeneratePassword makes a random password for a new user: 144 bits,
// URL-safe.
func GeneratePassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
