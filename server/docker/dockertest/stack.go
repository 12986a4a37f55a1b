package dockertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// StackPackages are what the test stack adds to Debian's minimal base:
// enough for the bundled buildpacks to fetch their toolchains (curl,
// unzip, xz) and for the Python and static ones to run (python3).
var StackPackages = []string{"ca-certificates", "curl", "unzip", "xz-utils", "python3"}

// Stack is the test stack's image: Debian bookworm made with debootstrap
// and imported into the local engine, both the build and the run stack of
// buildpack tests (no stack image can be pulled here). It is made once per
// machine, which takes about a minute, and kept.
const Stack = "pier-test/stack:bookworm-2"

const hostCABundle = "/etc/ssl/certs/ca-certificates.crt"

const stackLock = "/tmp/pier-test-stack.lock"

// StackImage makes the test stack when the engine lacks it and returns its
// name. Without debootstrap the test is skipped on a laptop and fails in
// CI, which installs it.
func StackImage(t testing.TB) string {
	t.Helper()
	Engine(t)
	if _, err := exec.LookPath("debootstrap"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the test stack needs debootstrap: %v", err)
		}
		t.Skip("buildpack tests make their stack image with debootstrap: apt-get install debootstrap")
	}
	start := time.Now()
	made, err := EnsureStack(context.Background())
	if err != nil {
		t.Fatalf("make the test stack: %v", err)
	}
	if made {
		t.Logf("made the test stack %s in %s", Stack, time.Since(start).Round(time.Second))
	}
	return Stack
}

// EnsureStack makes the test stack unless the local engine has it; made
// says whether it did. Test binaries running at once make it once.
func EnsureStack(ctx context.Context) (made bool, err error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return false, err
	}
	defer api.Close()
	if have(ctx, api) {
		return false, nil
	}
	unlock, err := lockFile(stackLock, 15*time.Minute)
	if err != nil {
		return false, err
	}
	defer unlock()
	if have(ctx, api) { // made by another test binary while this one waited
		return false, nil
	}
	return true, makeStack(ctx, api)
}

func have(ctx context.Context, api *client.Client) bool {
	_, err := api.ImageInspect(ctx, Stack)
	return err == nil
}

func makeStack(ctx context.Context, api *client.Client) error {
	dir, err := os.MkdirTemp("", "pier-stack-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	mirror := os.Getenv("PIER_TEST_DEBIAN_MIRROR")
	if mirror == "" {
		mirror = "http://deb.debian.org/debian"
	}
	out, err := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+strings.Join(StackPackages, ","),
		"bookworm", dir+"/root", mirror).CombinedOutput()
	if err != nil {
		return fmt.Errorf("debootstrap: %w\n%s", err, tail(out))
	}
	// The stack trusts what this machine trusts: its network may reach the
	// registries through a proxy with a certificate authority of its own.
	if ca, err := os.ReadFile(hostCABundle); err == nil {
		if err := os.WriteFile(dir+"/root"+hostCABundle, ca, 0o644); err != nil {
			return err
		}
	}
	tar := exec.CommandContext(ctx, "tar", "-C", dir+"/root", "-c", ".")
	pipe, err := tar.StdoutPipe()
	if err != nil {
		return err
	}
	if err := tar.Start(); err != nil {
		return err
	}
	rc, err := api.ImageImport(ctx, image.ImportSource{Source: pipe, SourceName: "-"}, Stack, image.ImportOptions{
		Changes: []string{"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			// Node and pip bring certificate authorities of their own.
			"ENV NODE_EXTRA_CA_CERTS=" + hostCABundle + " PIP_CERT=" + hostCABundle, `CMD ["/bin/bash"]`},
	})
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	if werr := tar.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		_, _ = api.ImageRemove(ctx, Stack, image.RemoveOptions{Force: true})
		if errdefs.IsNotFound(err) {
			return errors.New("import: " + err.Error())
		}
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}

// lockFile takes an exclusive flock on path, waiting up to wait.
func lockFile(path string, wait time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
