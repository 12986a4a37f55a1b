package buildpack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// fetchRepository clones a buildpack's git repository into dir: the
// branch or tag after # in the URL, else the default branch; a commit id
// after # is checked out from a full clone.
func fetchRepository(ctx context.Context, u *url.URL, dir string) error {
	want := u.Fragment
	clean := *u
	clean.Fragment = ""
	var auth transport.AuthMethod
	if clean.User != nil && (clean.Scheme == "http" || clean.Scheme == "https") {
		pass, _ := clean.User.Password()
		auth = &githttp.BasicAuth{Username: clean.User.Username(), Password: pass}
		clean.User = nil
	}
	opts := &git.CloneOptions{URL: clean.String(), Auth: auth, Depth: 1, SingleBranch: true, Tags: git.NoTags}
	if want == "" {
		_, err := git.PlainCloneContext(ctx, dir, false, opts)
		return cleanErr(err)
	}
	var err error
	for _, ref := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(want), plumbing.NewTagReferenceName(want)} {
		opts.ReferenceName = ref
		if _, err = git.PlainCloneContext(ctx, dir, false, opts); err == nil {
			return nil
		}
		if err := emptyDir(dir); err != nil {
			return err
		}
		if !isMissingRef(err) {
			return cleanErr(err)
		}
	}
	if !plumbing.IsHash(want) {
		return fmt.Errorf("it has no branch or tag %q", want)
	}
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: clean.String(), Auth: auth})
	if err != nil {
		return cleanErr(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: plumbing.NewHash(want)}); err != nil {
		return fmt.Errorf("it has no commit %s: %w", want, err)
	}
	return nil
}

func isMissingRef(err error) bool {
	var nm git.NoMatchingRefSpecError
	return errors.As(err, &nm) || errors.Is(err, plumbing.ErrReferenceNotFound)
}

// cleanErr drops the URL from go-git's errors: it is named by the caller,
// with any token hidden.
func cleanErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
