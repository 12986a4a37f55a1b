package source

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Repack writes the app in a source tarball that Inspect accepted as a
// plain tar stream rooted at the app (info.Root stripped), with clean
// relative names and no owners: what a Docker build or a builder
// container unpacks. It checks every entry again, so a tarball that
// changed since Inspect can't slip anything outside the app.
func Repack(r io.Reader, root string, w io.Writer) error {
	in, err := unzip(r)
	if err != nil {
		return err
	}
	tr := tar.NewReader(in)
	tw := tar.NewWriter(w)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("repack source: %w", err)
		}
		name, err := cleanName(h.Name)
		if err != nil {
			return err
		}
		if name, err = under(root, name); err != nil || name == "" {
			continue
		}
		out := &tar.Header{Name: name, Mode: h.Mode & 0o7777, ModTime: h.ModTime, Typeflag: h.Typeflag, Format: tar.FormatPAX}
		switch h.Typeflag {
		case tar.TypeReg:
			out.Size = h.Size
		case tar.TypeDir:
			out.Name += "/"
		case tar.TypeSymlink, tar.TypeLink:
			if err := checkLink(name, h.Linkname, h.Typeflag == tar.TypeLink); err != nil {
				return err
			}
			out.Linkname = h.Linkname
			if h.Typeflag == tar.TypeLink {
				t, err := cleanName(h.Linkname)
				if err != nil {
					return err
				}
				if out.Linkname, err = under(root, t); err != nil {
					return err
				}
			}
		case tar.TypeXGlobalHeader:
			continue
		default:
			return fmt.Errorf("repack source: %q is neither a file, a directory nor a link", h.Name)
		}
		if err := tw.WriteHeader(out); err != nil {
			return fmt.Errorf("repack source: %w", err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.Copy(tw, tr); err != nil {
				return fmt.Errorf("repack source: %w", err)
			}
		}
	}
	return tw.Close()
}

// under is name relative to root ("" for root itself); names outside root
// are an error.
func under(root, name string) (string, error) {
	if root == "" {
		return name, nil
	}
	if name == root {
		return "", nil
	}
	if rest, ok := strings.CutPrefix(name, root+"/"); ok {
		return rest, nil
	}
	return "", outside(name)
}
