package embedded

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartStopRestartAndRecover(t *testing.T) {
	if _, err := FindBinaries(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := filepath.Join(tempDir(t), "pg")
	s := &Server{Dir: dir, Database: "app"}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := connect(ctx, s.Dir, "app")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "CREATE TABLE t (v int); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	s.Stop()

	// A second start reuses the cluster and keeps the data.
	s2 := &Server{Dir: dir, Database: "app"}
	start := time.Now()
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("restart of an initialised cluster took %v", time.Since(start))
	// Simulate a crashed Pier: the postmaster keeps running, unowned.
	pid := s2.cmd.Process.Pid
	s2.cmd = nil
	s2.unlockDir()
	_ = syscall.Kill(pid, syscall.SIGKILL) // and a crash of postgres itself
	time.Sleep(200 * time.Millisecond)

	s3 := &Server{Dir: dir, Database: "app"}
	if err := s3.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s3.Stop()
	c, err = connect(ctx, s3.Dir, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v int
	if err := c.QueryRow(ctx, "SELECT v FROM t").Scan(&v); err != nil || v != 42 {
		t.Fatalf("after crash recovery: v=%d err=%v", v, err)
	}
}

func TestLeftoverPostmasterIsStopped(t *testing.T) {
	if _, err := FindBinaries(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := filepath.Join(tempDir(t), "pg")
	s := &Server{Dir: dir}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// While the first server runs, a second one on the same directory is
	// refused and leaves the running database alone.
	other := &Server{Dir: dir}
	if err := other.Start(ctx); err == nil || !strings.Contains(err.Error(), "already using") {
		t.Fatalf("a second server started: %v", err)
	}
	if err := ping(ctx, dir, "postgres"); err != nil {
		t.Fatalf("the running database was disturbed: %v", err)
	}
	// Pier died without stopping postgres: the kernel released its lock.
	s.cmd = nil
	s.unlockDir()
	s2 := &Server{Dir: dir}
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s2.Stop()
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("postmaster.pid still there after Stop: %v", err)
	}
}

// tempDir is a short directory (socket paths are limited) that the postgres
// user can reach when the tests run as root.
func tempDir(t *testing.T) string {
	d, err := os.MkdirTemp("/tmp", "pgt")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o755)
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}
