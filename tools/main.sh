#!/usr/bin/env bash
# The main job: set up, build (release: `mm` and the mmpy Python module, so `mm optimize` works right after),
# then quote with `mm run` on the embedded Bybit V5 simulator ([venue] endpoint = "sim") for 30 seconds with the
# example fixed-spread strategy, shut down gracefully and print the summary (orders, fills, PnL, tick-to-quote,
# the simulator's reaction time); then backtest the same strategy on the same market and print where its HTML
# report is. No account and no network are needed.
#
# The market: the shared real Bybit recording when it is beside the checkout (../shared/data/bybit/, as in CI),
# played in real time and looped; else an hour of seeded synthetic BTCUSDT played 10x faster (a user's fresh
# clone has no ../shared). The backtest runs on ten minutes of synthetic BTCUSDT written by `mm gen`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
targets=(mm)
# mmpy (pybind11) is a target when tools/setup.sh found pybind11 and python3-optuna (MM_BUILD_PYTHON).
if cmake --build --preset release --target help | grep -q '^mmpy:'; then targets+=(mmpy); fi
cmake --build --preset release --target "${targets[@]}"
mm=./build/release/tools/mm
data=../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst
config=build/release/main_live.toml
journal="$(pwd)/build/release/main_live.journal"
if [ -f "$data" ]; then
  echo "main: quoting on the simulator serving the shared real recording ($data, looped)"
  sed -e "s|^gen_seconds = .*|data = \"$(cd "$(dirname "$data")" && pwd)/$(basename "$data")\"|" \
      -e "s|^speed = .*|speed = 1.0|" -e "s|^journal = .*|journal = \"$journal\"|" examples/live_sim.toml > "$config"
else
  echo "main: no shared recordings beside the checkout; quoting on an hour of generated BTCUSDT (10x speed)"
  sed -e "s|^journal = .*|journal = \"$journal\"|" examples/live_sim.toml > "$config"
fi
"$mm" run --config "$config" --duration "${MM_MAIN_SECONDS:-30}" "$@"

# The strategy that just quoted (examples/live_sim.toml) backtested on ten minutes of seeded synthetic BTCUSDT
# (`mm gen`'s default market; the shared recording's 45 seconds are too short for its quotes to fill), with
# its summary and its report: fills, PnL, inventory and risk events over time, one offline HTML file.
report="$(pwd)/build/release/main_report.html"
market=build/release/main_gen.mmcap
[ -f "$market" ] || "$mm" gen --symbol BTCUSDT --seconds 600 --seed 1 --out "$market" >/dev/null
echo
echo "main: backtest of examples/live_sim.toml on $market (10 minutes of generated BTCUSDT)"
"$mm" backtest --config examples/live_sim.toml --data "$market" --report "$report"
echo "main: the backtest's report: $report"
cat <<'NEXT'

main: next (README, "The mm command"):
  ./build/release/tools/mm replay ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst --config examples/fixed.toml
  ./build/release/tools/mm optimize --space examples/fixed_space.toml --data build/release/main_gen.mmcap --trials 20 --seed 1 --out study
  (without ../shared: ./build/release/tools/mm gen --symbol BTCUSDT --seconds 600 --seed 1 --out m.mmcap, then use m.mmcap)
NEXT
