#!/usr/bin/env bash
# Installs what Pier needs on a Debian host: PostgreSQL server binaries (for
# the embedded database), git, and the Docker engine. Installs only what is
# missing; without root it just says what to install.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || need+=(postgresql)
command -v git >/dev/null 2>&1 || need+=(git)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Pier needs: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "Installing ${need[*]}…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Go is not installed here: Debian's package is too old for this module.
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "Pier builds with Go 1.26 or newer: install it from go.dev/dl into /usr/local/go." >&2
  exit 1
fi

# Debian's postgresql package starts a cluster of its own; Pier runs its own
# embedded one and doesn't need it, but leaves it alone.
if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
      systemctl start docker || true
    else
      (dockerd >/var/log/dockerd.log 2>&1 &)
    fi
    for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
fi
exit 0
