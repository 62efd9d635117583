#!/usr/bin/env bash
# The main job: set up, build (release) and replay the shared real Bybit recordings through the hot path,
# printing the replay report. No account and no network are needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target mm
data=../shared/data/bybit
exec ./build/release/tools/mm replay "$data/cryptofeed-BYBIT-2026-08-09.jsonl.zst" \
  "$data/2024-12-01_XRPUSDT_ob500.data.zip" "$@"
