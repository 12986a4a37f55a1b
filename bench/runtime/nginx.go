package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pier-paas/pier/bench/machine"
)

// nginxConf is a reverse proxy set up the way one would put nginx in front
// of the same two dynos, made to do the same work as Pier's router per
// request: pass Host through, add the X-Forwarded-*, X-Request-Id and
// X-Request-Start headers Pier adds, and return X-Request-Id. Only what
// Pier also does is asked of it; access_log is off (Pier's router writes
// each request's line into an in-memory ring, which is cheaper than a file).
const nginxConf = `# Written by bench/runtime; removed when the run ends.
worker_processes auto;
daemon off;
master_process on;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;

    # nginx closes a keep-alive connection after 1000 requests by default,
    # on both sides; Pier's router (Go's http.Server and Transport) never
    # does. Lifted so the clients' connections stay open as they do with
    # Pier, and no run measures reconnects for one proxy only.
    keepalive_requests 10000000;

    upstream dynos {
%[2]s        keepalive 64;
        keepalive_requests 10000000;
    }

    server {
        listen %[3]s;
        location / {
            proxy_pass http://dynos;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header X-Request-Id $request_id;
            proxy_set_header X-Request-Start $msec;
            add_header X-Request-Id $request_id always;
        }
    }
}
`

// nginxProc is Debian's nginx run in the foreground from a private prefix.
type nginxProc struct {
	addr   string
	prefix string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startNginx writes the configuration into dir/nginx and starts nginx,
// returning once it accepts connections on a free loopback port.
func startNginx(ctx context.Context, bin, dir string, backends []string) (*nginxProc, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("nginx not found (apt-get install -y nginx, or -nginx \"\" to skip it): %w", err)
	}
	addr, err := machine.FreeAddr()
	if err != nil {
		return nil, err
	}
	n := &nginxProc{addr: addr, prefix: filepath.Join(dir, "nginx")}
	if err := os.MkdirAll(n.prefix, 0o755); err != nil {
		return nil, err
	}
	var servers strings.Builder
	for _, b := range backends {
		fmt.Fprintf(&servers, "        server %s;\n", b)
	}
	conf := filepath.Join(n.prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(nginxConf, n.prefix, servers.String(), addr)), 0o644); err != nil {
		return nil, err
	}
	// -e: the error log before the configuration is read, which would
	// otherwise be the packaged /var/log/nginx/error.log.
	cmd := exec.Command(path, "-p", n.prefix, "-c", conf, "-e", filepath.Join(n.prefix, "error.log"))
	out, err := os.Create(filepath.Join(n.prefix, "stderr.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Like the server: out of the terminal's process group, and taken down
	// with us if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start nginx: %w", err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(n.exited)
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return n, nil
		}
		select {
		case <-n.exited:
			b, _ := os.ReadFile(filepath.Join(n.prefix, "error.log"))
			b2, _ := os.ReadFile(filepath.Join(n.prefix, "stderr.log"))
			return nil, fmt.Errorf("nginx exited at start: %s%s", b2, b)
		case <-ctx.Done():
			n.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("nginx did not listen on %s within 10 s", addr)
		}
	}
}

// pids are the master and its workers, whose CPU time is the proxy's.
func (n *nginxProc) pids() []int { return withChildren(n.cmd.Process.Pid) }

// stop asks for a fast shutdown (SIGTERM) and waits; the master takes its
// workers down with it. Safe to call twice.
func (n *nginxProc) stop() {
	if n == nil || n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL) // its process group: master and workers
		<-n.exited
	}
	n.cmd = nil
}

// nginxVersion is `nginx -v`'s answer, e.g. nginx/1.22.1.
func nginxVersion(bin string) string {
	out, err := exec.Command(bin, "-v").CombinedOutput()
	if err != nil {
		return bin
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: ")
}
