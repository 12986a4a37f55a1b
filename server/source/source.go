// Package source reads the tarballs builds start from (a source blob, a
// tarball URL, a git push made into one): gzip or plain tar, checked entry
// by entry before anything is built from it.
package source

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/pier-paas/pier/server/platform"
)

// Info is what a build needs to know of a source before building it.
type Info struct {
	// Root is the directory the app is in: "" for the tarball's top, or
	// its single top-level directory when the tarball has one and nothing
	// else (GitHub's archives, `git archive --prefix`).
	Root       string
	Dockerfile bool   // Root/Dockerfile exists: a Dockerfile build
	Procfile   []byte // Root/Procfile, nil when there is none
	Files      int
	Size       int64 // the unpacked size of its regular files
}

// maxProcfile bounds the Procfile kept in memory.
const maxProcfile = 64 << 10

// Inspect reads a whole source tarball from r and checks it: a tar stream,
// gzipped or not, whose entries stay inside it (no absolute paths, no
// "..", no links pointing out, no devices) and whose files add up to at
// most limit bytes. Its errors are platform errors fit to show.
func Inspect(r io.Reader, limit int64) (Info, error) {
	in, err := unzip(r)
	if err != nil {
		return Info{}, err
	}
	tr := tar.NewReader(in)
	var info Info
	procfiles := map[string][]byte{}
	dockerfiles := map[string]bool{}
	tops := map[string]bool{} // top-level names → is a directory
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if info.Files == 0 && len(tops) == 0 {
				return Info{}, notATarball()
			}
			return Info{}, platform.Invalid("The source tarball is cut short or damaged (%v): upload it again.", err)
		}
		name, err := cleanName(h.Name)
		if err != nil {
			return Info{}, err
		}
		if name == "" {
			continue // "./" itself
		}
		top, _, under := strings.Cut(name, "/")
		tops[top] = tops[top] || under || h.Typeflag == tar.TypeDir
		switch h.Typeflag {
		case tar.TypeReg:
			info.Files++
			if info.Size += h.Size; info.Size > limit {
				return Info{}, platform.Invalid("The source unpacks to more than %d MB, the most Pier builds: leave build artefacts and dependencies out of it.", limit>>20)
			}
			base := path.Base(name)
			if base == "Procfile" && h.Size <= maxProcfile {
				b, err := io.ReadAll(tr)
				if err != nil {
					return Info{}, platform.Invalid("The source tarball is cut short or damaged (%v): upload it again.", err)
				}
				procfiles[path.Dir(name)] = b
			}
			if base == "Dockerfile" {
				dockerfiles[path.Dir(name)] = true
			}
		case tar.TypeDir, tar.TypeXGlobalHeader:
		case tar.TypeSymlink, tar.TypeLink:
			if err := checkLink(name, h.Linkname, h.Typeflag == tar.TypeLink); err != nil {
				return Info{}, err
			}
		default:
			return Info{}, platform.Invalid("The source has %q, which is neither a file, a directory nor a link: leave it out.", h.Name)
		}
	}
	if len(tops) == 0 {
		return Info{}, platform.Invalid("The source tarball is empty.")
	}
	// One top-level directory and nothing beside it: the app is in it.
	if len(tops) == 1 {
		for top, isDir := range tops {
			if isDir {
				info.Root = top
			}
		}
	}
	dir := "."
	if info.Root != "" {
		dir = info.Root
	}
	info.Procfile, info.Dockerfile = procfiles[dir], dockerfiles[dir]
	return info, nil
}

// unzip reads r through gzip when it starts with gzip's magic number.
func unzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, notATarball()
		}
		return zr, nil
	}
	return br, nil
}

func notATarball() error {
	return platform.Invalid("The source is not a tarball: send a tar archive, gzipped or not (tar czf source.tgz .).")
}

// cleanName is an entry's path inside the source, refusing those that
// would land outside it.
func cleanName(name string) (string, error) {
	if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) {
		return "", outside(name)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", outside(name)
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// checkLink refuses a link whose target lies outside the source. A hard
// link's target is a path from the top; a symlink's, from its directory.
func checkLink(name, target string, hard bool) error {
	if strings.HasPrefix(target, "/") {
		return outside(name + " -> " + target)
	}
	t := target
	if !hard {
		t = path.Join(path.Dir(name), target)
	}
	if c := path.Clean(t); c == ".." || strings.HasPrefix(c, "../") {
		return outside(name + " -> " + target)
	}
	return nil
}

func outside(entry string) error {
	return platform.Invalid("The source has an entry outside its own directory (%s): refused, nothing was built.", entry)
}
