#!/usr/bin/env bash
# The main job: set up, build (release), replay the shared real Bybit recordings through the hot path (printing
# the replay report), then backtest the example fixed-spread strategy on the real BTCUSDT recording through the
# simulated venue (printing the statistics). No account and no network are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target mm
data=../shared/data/bybit
./build/release/tools/mm replay "$data/cryptofeed-BYBIT-2026-08-09.jsonl.zst" \
  "$data/2024-12-01_XRPUSDT_ob500.data.zip" "$@"
echo
exec ./build/release/tools/mm backtest --config examples/fixed.toml \
  --data "$data/cryptofeed-BYBIT-2026-08-09.jsonl.zst" --report build/release/backtest_report.html
