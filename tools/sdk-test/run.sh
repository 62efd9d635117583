#!/usr/bin/env bash
# ctest driver of the third-party client suite: starts `mm sim` on a free loopback port (synthetic market), runs
# npm's bybit-api SDK against it (sdk_test.js), stops the simulator with SIGTERM and checks it exited 0.
# Usage: run.sh MM_BINARY. Exit 77 (ctest: skipped) when node is not installed; 1 on any failure.
set -uo pipefail
mm="$1"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "sdk test: node is not installed: skipped"
  exit 77
fi
if [ ! -d "$here/node_modules/bybit-api" ]; then
  echo "sdk test: $here/node_modules/bybit-api is missing: run tools/setup.sh (it installs the SDK with npm)"
  exit 1
fi
out="$(mktemp)"
summary="$(mktemp)"
"$mm" sim --gen 600 --port 0 --duration 170 --summary-json "$summary" >"$out" 2>&1 &
sim=$!
trap 'kill -TERM $sim 2>/dev/null; rm -f "$out" "$summary"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^mm sim listening on //p' "$out")"
  [ -n "$url" ] && break
  if ! kill -0 $sim 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "sdk test: mm sim did not start:"; cat "$out"; exit 1
fi
timeout 120 node "$here/sdk_test.js" "$url"
rc=$?
kill -TERM $sim
wait $sim
sim_rc=$?
trap - EXIT
rm -f "$out"
if [ $sim_rc -ne 0 ]; then echo "sdk test: mm sim exited with $sim_rc after SIGTERM"; rm -f "$summary"; exit 1; fi
# The summary counts what the SDK did: 4 orders created (REST place, market, trade WS; one amended), 1 fill.
if ! /usr/bin/python3 - "$summary" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["orders"]["created"] >= 3 and s["orders"]["amended"] >= 1 and s["orders"]["cancelled"] >= 2, s["orders"]
assert s["fills"] >= 1 and s["connections"] >= 4, s
assert s["requests"]["/v5/order/create"] >= 2 and s["requests"]["/v5/trade order.create"] >= 1, s["requests"]
PY
then echo "sdk test: unexpected --summary-json"; cat "$summary"; rm -f "$summary"; exit 1; fi
rm -f "$summary"
exit $rc
