#!/usr/bin/env bash
# The main job: set up, build (release), then quote with `mm run` on the embedded Bybit V5 simulator
# ([venue] endpoint = "sim") for 30 seconds with the example fixed-spread strategy, shut down gracefully and
# print the summary (orders, fills, PnL, tick-to-quote, the simulator's reaction time). No account and no network
# are needed.
#
# The market: the shared real Bybit recording when it is beside the checkout (../shared/data/bybit/, as in CI),
# played in real time and looped; else an hour of seeded synthetic BTCUSDT played 10x faster (a user's fresh
# clone has no ../shared). Replay and backtest are the next commands to try (printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target mm
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
cat <<'NEXT'

main: next, try the offline tools on the same market (README, "The mm command"):
  ./build/release/tools/mm replay ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst --config examples/fixed.toml
  ./build/release/tools/mm backtest --config examples/fixed.toml --data ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst --report report.html
  (without ../shared: ./build/release/tools/mm gen --symbol BTCUSDT --seconds 600 --seed 1 --out m.mmcap, then use m.mmcap)
NEXT
