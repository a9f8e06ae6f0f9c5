# Shared by the interop CI steps (.ci/steps/5*.sh), sourced from the repository root:
# installs what a step needs, starts servers on loopback and stops them on exit.
#
# Installs: Debian packages with apt-get (only those missing, after `apt-get update`);
# the Python clients into a venv under $TMPDIR (reused by the later steps while
# requirements.txt is unchanged); the Node packages into tests/interop/node_modules
# with `npm ci` (reused while package-lock.json is unchanged). Chromium is Debian's:
# nothing downloads a browser.

interop_started=$SECONDS
INTEROP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/interop.XXXXXX")
INTEROP_PIDS=()
# Wherever cargo puts its builds (CARGO_TARGET_DIR or a config may move it).
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

say() { printf '[%s %3ss] %s\n' "${INTEROP_STEP:-interop}" "$((SECONDS - interop_started))" "$*"; }

interop_cleanup() {
  local pid
  for pid in "${INTEROP_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${INTEROP_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$INTEROP_TMP"
}
trap interop_cleanup EXIT

# apt_install PACKAGE...: installs the packages that are not installed yet.
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    say "installed already: $*"
    return
  fi
  say "apt-get install ${missing[*]}"
  # Bounded: a stuck mirror fails the step instead of holding CI.
  timeout 300 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$INTEROP_TMP/apt.log" 2>&1 || { cat "$INTEROP_TMP/apt.log"; return 1; }
  say "installed ${missing[*]}"
}

# python_clients_venv: sets PYTHON to a venv's python with tests/interop/requirements.txt.
python_clients_venv() {
  local venv="${TMPDIR:-/tmp}/axum-ws-handshake-interop-venv"
  local stamp="$venv/requirements.txt"
  if ! cmp -s tests/interop/requirements.txt "$stamp"; then
    say "pip install -r tests/interop/requirements.txt (venv $venv)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r tests/interop/requirements.txt
    cp tests/interop/requirements.txt "$stamp"
  fi
  PYTHON="$venv/bin/python"
  say "python clients: $("$PYTHON" -c 'import websockets, websocket; print("websockets", websockets.__version__, "/ websocket-client", websocket.__version__)')"
}

# node_packages: npm ci in tests/interop unless node_modules matches package-lock.json.
node_packages() {
  if ! cmp -s tests/interop/package-lock.json tests/interop/node_modules/.interop-lock; then
    say "npm ci in tests/interop"
    (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/interop/package-lock.json tests/interop/node_modules/.interop-lock
  fi
  say "node $(node --version); $(cd tests/interop && node -p "'ws ' + require('ws/package.json').version + ' / playwright-core ' + require('playwright-core/package.json').version")"
}

# start NAME PATTERN COMMAND...: runs COMMAND in the background, its output in
# $INTEROP_TMP/NAME.log, and waits up to 10 s for PATTERN in that log.
start() {
  local name=$1 pattern=$2 log="$INTEROP_TMP/$1.log"
  shift 2
  "$@" >"$log" 2>&1 &
  local pid=$!
  INTEROP_PIDS+=("$pid")
  for _ in $(seq 100); do
    if grep -q -- "$pattern" "$log"; then
      say "$name: $(grep -m1 -- "$pattern" "$log")"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  say "$name did not start: $*"
  cat "$log"
  return 1
}

# start_echo PORT [ARGS...]: the echo example (release build) on 127.0.0.1:PORT.
start_echo() {
  local port=$1
  shift
  start "echo-$port" "listening on http://127.0.0.1:$port" \
    "$TARGET_DIR/release/examples/echo" --addr "127.0.0.1:$port" "$@"
}

# artifacts_dir NAME: a directory for screenshots that outlives the step; printed.
artifacts_dir() {
  local dir="${INTEROP_ARTIFACTS:-${TMPDIR:-/tmp}/axum-ws-handshake-artifacts}/$1"
  mkdir -p "$dir"
  echo "$dir"
}

finish() {
  say "done in $((SECONDS - interop_started)) s"
}
