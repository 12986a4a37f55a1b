package embedded

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockDir takes an exclusive lock beside the cluster directory for as long as
// this process runs it. Only with the lock held may a postmaster found
// running there be taken for a crashed server's leftover and stopped: without
// it, a second server would stop the first one's database. The kernel drops
// the lock when its holder dies, however it dies.
func (s *Server) lockDir() error {
	path := s.Dir + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(holder))
			return fmt.Errorf("another pier server (pid %s) is already using the database in %s; stop it first or choose another PIER_DATA_DIR", pid, s.Dir)
		}
		return fmt.Errorf("embedded postgres: lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	s.lock = f
	return nil
}

func (s *Server) unlockDir() {
	if s.lock != nil {
		s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
}
