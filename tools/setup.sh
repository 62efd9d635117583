#!/usr/bin/env bash
# Installs every Debian package that building, testing and running mm needs. Idempotent: when everything is
# present it changes nothing and does not touch the network; otherwise it runs `apt-get update` once and installs
# only what is missing. Works as root or through sudo.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git
  libsimdjson-dev libcli11-dev libtomlplusplus-dev libconcurrentqueue-dev
  libzstd-dev zstd zlib1g-dev unzip zip libssl-dev liburing-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # backtester, Python module and optimizer (issue 4): pybind11 module, Optuna with SQLite/PostgreSQL storage,
  # offline plots, and the headless browser that checks the HTML report renders
  pybind11-dev python3-dev python3-numpy python3-optuna python3-cmaes python3-sqlalchemy python3-psycopg2
  python3-tomli-w python3-plotly
  # the Python reference bot of the socket-to-quote benchmark (bench/live/reference_bot.py)
  python3-websocket
  postgresql chromium
  # operations (issue 12): log formatting, sinks and rotation; the Prometheus server of the scrape test
  libspdlog-dev libfmt-dev prometheus
  # the performance gate (bench/gate): callgrind counts and the callgrind.h client requests
  valgrind
  # libFuzzer harnesses (fuzz/, issue 13): Debian's clang with its compiler-rt (libFuzzer, ASan, UBSan)
  clang libclang-rt-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The third-party client suite of `mm sim` (tools/sdk-test, issue 10): npm's bybit-api SDK, pinned by
# tools/sdk-test/package.json (major 4) and its package-lock.json. Needs node and npm; skipped without them.
install_sdk() {
  local dir
  dir="$(cd "$(dirname "$0")" && pwd)/sdk-test"
  if [ -d "$dir/node_modules/bybit-api" ]; then return 0; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found: the bybit-api SDK test (tools/sdk-test) will be skipped"
    return 0
  fi
  echo "setup: installing bybit-api@4 into $dir"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  install_sdk
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "setup: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_sdk
