package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// packDir writes dir as a gzipped tarball to a temporary file, rewound:
// in a git work tree the files git tracks or would track, elsewhere every
// file but .git. The caller removes the file.
func packDir(dir string) (*os.File, error) {
	names, err := sourceFiles(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "pier-source-*.tgz")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for _, name := range names {
		if err := addFile(tw, dir, name); err != nil {
			return fail(err)
		}
	}
	if err := tw.Close(); err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return f, nil
}

func addFile(tw *tar.Writer, dir, name string) error {
	p := filepath.Join(dir, name)
	st, err := os.Lstat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil // deleted but still in git's index
		}
		return err
	}
	link := ""
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	case st.IsDir(), !st.Mode().IsRegular():
		return nil // directories come with their files; sockets and such are left out
	}
	h, err := tar.FileInfoHeader(st, link)
	if err != nil {
		return err
	}
	h.Name = filepath.ToSlash(name)
	h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if link != "" {
		return nil
	}
	src, err := os.Open(p)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := io.Copy(tw, src); err != nil {
		return fmt.Errorf("pack %s: %w", name, err)
	}
	return nil
}

// sourceFiles lists the files to pack, relative to dir.
func sourceFiles(dir string) ([]string, error) {
	if out, err := exec.Command("git", "-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		var names []string
		for _, n := range bytes.Split(out, []byte{0}) {
			if len(n) > 0 {
				names = append(names, string(n))
			}
		}
		return names, nil
	}
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			names = append(names, rel)
		}
		return nil
	})
	return names, err
}

// gitCommit is dir's HEAD commit, "" outside a git work tree.
func gitCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
