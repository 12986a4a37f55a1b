// Package buildpack finds Heroku classic buildpacks for the builder: a
// bundled name (go, heroku/nodejs), a tarball URL, a git URL (with an
// optional #branch or #tag) or a folder on the Pier server (file:///path).
// Pier fetches URLs itself and keeps what it fetched for a while, so a
// build does not fetch the same buildpack again.
package buildpack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pier-paas/pier/buildpacks"
	"github.com/pier-paas/pier/server/platform"
)

// Buildpack is a buildpack ready to hand to the builder.
type Buildpack struct {
	// Ref is the buildpack as the user named it; Name is how output
	// names it.
	Ref, Name string
	// Dir holds its files (bin/detect, bin/compile, bin/release).
	Dir string
}

// DefaultTTL is how long a fetched buildpack is used before it is fetched
// again.
const DefaultTTL = 10 * time.Minute

// Resolver fetches buildpacks into Dir and keeps them there.
type Resolver struct {
	// Dir keeps fetched buildpacks; it is made on first use.
	Dir string
	// HTTP fetches tarballs; nil is http.DefaultClient.
	HTTP *http.Client
	// TTL is how long a fetched buildpack is reused; zero is DefaultTTL.
	TTL time.Duration
	// MaxBytes bounds a buildpack tarball; zero is 200 MB.
	MaxBytes int64
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu    sync.Mutex
	locks map[string]*sync.RWMutex
}

// Validate says why ref can't name a buildpack, without fetching it.
func Validate(ref string) error {
	_, err := parse(ref)
	return err
}

type kind int

const (
	bundled kind = iota
	folder
	archive
	repository
)

type parsed struct {
	kind kind
	name string // bundled: its name; folder: its path
	url  *url.URL
}

func parse(ref string) (parsed, error) {
	ref = strings.TrimSpace(ref)
	if name := strings.TrimPrefix(strings.TrimPrefix(ref, "heroku/"), "heroku-community/"); buildpacks.Has(name) {
		return parsed{kind: bundled, name: name}, nil
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" {
		return parsed{}, platform.Invalid("Buildpack %q is not one Pier knows: name a bundled one (%s), or give a tarball or git URL, or file:///path to a folder on the Pier server.",
			ref, strings.Join(buildpacks.Order, ", "))
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" || !filepath.IsAbs(u.Path) {
			return parsed{}, platform.Invalid("Buildpack %q: a folder on the Pier server is written file:///absolute/path.", ref)
		}
		return parsed{kind: folder, name: filepath.Clean(u.Path)}, nil
	case "http", "https":
		if p := strings.ToLower(u.Path); strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tar") {
			return parsed{kind: archive, url: u}, nil
		}
		return parsed{kind: repository, url: u}, nil
	case "git", "ssh":
		return parsed{kind: repository, url: u}, nil
	}
	return parsed{}, platform.Invalid("Buildpack %q: Pier fetches buildpacks over http, https, git and ssh, or reads file:///path.", ref)
}

// Resolve finds the buildpack ref names, fetching it when it is not kept
// or is older than the TTL; log gets a line when it fetches. use runs with
// the buildpack's files, which stay in place until it returns.
func (r *Resolver) Resolve(ctx context.Context, ref string, log io.Writer, use func(Buildpack) error) error {
	p, err := parse(ref)
	if err != nil {
		return err
	}
	switch p.kind {
	case bundled:
		dir := filepath.Join(r.Dir, "bundled", p.name)
		lock := r.lock("bundled/" + p.name)
		lock.Lock()
		if _, err := os.Stat(filepath.Join(dir, ".pier-bundled-"+bundledVersion)); err != nil {
			err = r.replace(dir, func(tmp string) error {
				if err := buildpacks.Write(p.name, tmp); err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(tmp, ".pier-bundled-"+bundledVersion), nil, 0o644)
			})
			if err != nil {
				lock.Unlock()
				return err
			}
		}
		lock.Unlock()
		lock.RLock()
		defer lock.RUnlock()
		return use(Buildpack{Ref: ref, Name: p.name, Dir: dir})
	case folder:
		if _, err := os.Stat(filepath.Join(p.name, "bin", "compile")); err != nil {
			return platform.Invalid("Buildpack %s: %s has no bin/compile on the Pier server.", ref, p.name)
		}
		return use(Buildpack{Ref: ref, Name: filepath.Base(p.name), Dir: p.name})
	}
	sum := sha256.Sum256([]byte(p.url.String()))
	key := hex.EncodeToString(sum[:12])
	dir := filepath.Join(r.Dir, "fetched", key)
	name := displayName(p.url)
	// Output names the URL without its password: buildpacks in private
	// repositories carry tokens in their URLs.
	lock := r.lock(key)
	lock.Lock()
	if r.stale(dir) {
		fmt.Fprintf(log, "-----> Fetching buildpack %s\n", p.url.Redacted())
		err := r.replace(dir, func(tmp string) error {
			if p.kind == archive {
				return r.fetchArchive(ctx, p.url, tmp)
			}
			return fetchRepository(ctx, p.url, tmp)
		})
		if err != nil {
			if _, serr := os.Stat(dir); serr != nil {
				lock.Unlock()
				return platform.Invalid("Could not fetch buildpack %s: %v", p.url.Redacted(), err)
			}
			fmt.Fprintf(log, "       Could not fetch it again (%v); using the copy fetched before\n", err)
		}
	}
	lock.Unlock()
	lock.RLock()
	defer lock.RUnlock()
	if _, err := os.Stat(filepath.Join(dir, "bin", "compile")); err != nil {
		return platform.Invalid("Buildpack %s has no bin/compile.", p.url.Redacted())
	}
	return use(Buildpack{Ref: ref, Name: name, Dir: dir})
}

// bundledVersion changes when the bundled buildpacks do, so a kept copy
// from an older Pier is written again.
var bundledVersion = buildpacks.Version()

func (r *Resolver) lock(key string) *sync.RWMutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.locks == nil {
		r.locks = map[string]*sync.RWMutex{}
	}
	l, ok := r.locks[key]
	if !ok {
		l = &sync.RWMutex{}
		r.locks[key] = l
	}
	return l
}

// stale says whether dir must be fetched again.
func (r *Resolver) stale(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, ".pier-fetched"))
	if err != nil {
		return true
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return r.now().Sub(fi.ModTime()) > ttl
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// replace fills a new folder with fill and puts it in dir's place.
func (r *Resolver) replace(dir string, fill func(tmp string) error) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".new-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".pier-fetched"), nil, 0o644); err != nil {
		return err
	}
	if err := os.Chtimes(filepath.Join(tmp, ".pier-fetched"), r.now(), r.now()); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Rename(tmp, dir)
}

// displayName is a URL's buildpack name: its last path element, without
// .git or a tarball's extension.
func displayName(u *url.URL) string {
	base := filepath.Base(strings.TrimSuffix(u.Path, "/"))
	for _, ext := range []string{".git", ".tgz", ".tar.gz", ".tar"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." || base == "/" {
		return u.Host
	}
	return base
}
