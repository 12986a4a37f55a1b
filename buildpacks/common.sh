# Sourced by the bundled buildpacks' bin/compile: output helpers and config.

# step prints a Heroku-style step line.
step() { echo "-----> $*"; }

# indent indents a command's output under its step.
indent() { sed -u 's/^/       /'; }

# fail prints why the build stops and stops it.
fail() {
  echo " !     $*" >&2
  exit 1
}

# export_env exports the named config vars from ENV_DIR, when set.
export_env() {
  local env_dir=$1 name
  shift
  for name in "$@"; do
    if [ -f "$env_dir/$name" ]; then
      export "$name=$(cat "$env_dir/$name")"
    fi
  done
}

# fetch downloads a URL to a file, failing with a message that names it.
fetch() {
  curl --fail --silent --show-error --location --retry 3 --connect-timeout 10 -o "$2" "$1" ||
    fail "Could not download $1"
}

# version_ge says whether version $1 >= $2.
version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]
}

# arch is the machine's architecture as Go and Node name it.
arch() {
  case "$(uname -m)" in
  x86_64) echo amd64 ;;
  aarch64 | arm64) echo arm64 ;;
  *) uname -m ;;
  esac
}
