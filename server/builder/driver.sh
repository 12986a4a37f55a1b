#!/bin/bash
# Pier's buildpack driver, run in the builder container made from the build
# stack. /app is BUILD_DIR (the source), /tmp/cache is CACHE_DIR (kept per
# app), /tmp/env is ENV_DIR (a file per config var) and /tmp/buildpacks/NN
# are the buildpacks in order. With PIER_DETECT=1 only the first whose
# bin/detect accepts the app runs; otherwise each must accept it. What a
# buildpack writes to its export file is sourced before the next one
# compiles. /tmp/pier/status tells Pier how the build ended, and
# release-NN.yml holds each buildpack's bin/release output.
set -o pipefail
build=/app cache=/tmp/cache env_dir=/tmp/env out=/tmp/pier
mkdir -p "$out" "$cache" "$env_dir"
status() {
  echo "$*" >"$out/status"
  exit 0
}

# .slugignore: what the app leaves out, removed before any buildpack runs.
# A pattern with a slash names paths from the top; one without matches
# names at any depth.
if [ -f "$build/.slugignore" ]; then
  while IFS= read -r pattern || [ -n "$pattern" ]; do
    pattern=${pattern%$'\r'}
    case "$pattern" in "" | "#"*) continue ;; esac
    pattern=${pattern#/}
    pattern=${pattern%/}
    if [[ "$pattern" == */* ]]; then
      (cd "$build" && shopt -s nullglob globstar && for p in $pattern; do rm -rf -- "$p"; done)
    else
      find "$build" -mindepth 1 -name "$pattern" -prune -exec rm -rf -- {} +
    fi
  done <"$build/.slugignore"
fi

chosen=() names=()
for bp in /tmp/buildpacks/*; do
  if name=$(cd "$build" && "$bp/bin/detect" "$build" 2>/dev/null); then
    chosen+=("$bp") names+=("$name")
    [ "$PIER_DETECT" = 1 ] && break
  elif [ "$PIER_DETECT" != 1 ]; then
    status undetected "${bp##*/}"
  fi
done
[ ${#chosen[@]} -gt 0 ] || status none

for i in "${!chosen[@]}"; do
  bp=${chosen[$i]}
  n=${bp##*/}
  echo "-----> ${names[$i]:-Buildpack $n} app detected"
  (cd "$build" && "$bp/bin/compile" "$build" "$cache" "$env_dir") || status compile "$n" $?
  if [ -f "$bp/export" ]; then
    # shellcheck disable=SC1091
    . "$bp/export"
  fi
  if [ -x "$bp/bin/release" ]; then
    (cd "$build" && "$bp/bin/release" "$build") >"$out/release-$n.yml" || status release "$n" $?
  fi
done
status ok
