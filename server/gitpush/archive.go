package gitpush

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// archive writes the files of a commit as a tar stream, as `git archive`
// does: regular and executable files and symlinks, dated with the commit;
// submodules are left out.
func archive(objs storer.EncodedObjectStorer, commit plumbing.Hash, w io.Writer) error {
	c, err := object.GetCommit(objs, commit)
	if err != nil {
		return fmt.Errorf("read commit %s: %w", commit, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return fmt.Errorf("read the tree of %s: %w", commit, err)
	}
	when := c.Committer.When
	if when.IsZero() {
		when = time.Unix(0, 0)
	}
	tw := tar.NewWriter(w)
	walker := object.NewTreeWalker(tree, true, nil)
	defer walker.Close()
	for {
		name, entry, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("walk the tree of %s: %w", commit, err)
		}
		h := &tar.Header{Name: name, ModTime: when, Format: tar.FormatPAX}
		switch entry.Mode {
		case filemode.Dir:
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, name+"/", 0o755
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			continue
		case filemode.Regular, filemode.Deprecated:
			h.Typeflag, h.Mode = tar.TypeReg, 0o644
		case filemode.Executable:
			h.Typeflag, h.Mode = tar.TypeReg, 0o755
		case filemode.Symlink:
			h.Typeflag, h.Mode = tar.TypeSymlink, 0o777
		default:
			continue // a submodule: its commit is not in this repository
		}
		blob, err := object.GetBlob(objs, entry.Hash)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		r, err := blob.Reader()
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if h.Typeflag == tar.TypeSymlink {
			target, err := io.ReadAll(io.LimitReader(r, 4096))
			r.Close()
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
			h.Linkname = string(target)
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			continue
		}
		h.Size = blob.Size
		if err := tw.WriteHeader(h); err != nil {
			r.Close()
			return err
		}
		_, err = io.Copy(tw, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
	}
	return tw.Close()
}
