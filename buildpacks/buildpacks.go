// Package buildpacks holds the Heroku classic buildpacks bundled with Pier
// (see README.md). Each is a folder with bin/detect, bin/compile and
// bin/release; common.sh, which they all source, is written into each as
// lib/common.sh.
package buildpacks

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed common.sh go nodejs python static
var files embed.FS

// Order is the bundled buildpacks in the order detection tries them.
var Order = []string{"go", "nodejs", "python", "static"}

// Has reports whether name is a bundled buildpack.
func Has(name string) bool { return slices.Contains(Order, name) }

// Write writes bundled buildpack name into dir, which it makes: its
// files, those under bin/ executable, and lib/common.sh.
func Write(name, dir string) error {
	if !Has(name) {
		return fmt.Errorf("no bundled buildpack %q", name)
	}
	err := fs.WalkDir(files, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, name), "/")
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		mode := os.FileMode(0o644)
		if path.Dir(rel) == "bin" {
			mode = 0o755
		}
		return copyFile(p, dst, mode)
	})
	if err != nil {
		return fmt.Errorf("write buildpack %s: %w", name, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		return err
	}
	return copyFile("common.sh", filepath.Join(dir, "lib", "common.sh"), 0o644)
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := files.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

// Version is a digest of the bundled buildpacks' files: it changes when
// any of them does.
func Version() string {
	h := sha256.New()
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := files.ReadFile(p)
			fmt.Fprintf(h, "%s %d\n", p, len(data))
			h.Write(data)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
}
