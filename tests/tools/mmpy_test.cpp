// The mmpy Python module (tools/mmpy): driven by Debian's /usr/bin/python3 from the build tree, as
// `mm optimize` drives it. Same numbers as `mm backtest`, dict and TOML configs agree, errors are ValueErrors
// naming the key, series come back as numpy arrays, and the GIL is released while a backtest runs.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/cli_run.h"

namespace {

const std::string kTools = std::string(MM_BINARY_DIR) + "/tools";
const std::string kRec = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kFixed = std::string(MM_SOURCE_DIR) + "/examples/fixed.toml";

// Runs `script` with Debian's interpreter and the build's tools folder (mmpy) on PYTHONPATH.
mm::test::CliRun python(const std::string& script) {
  const std::filesystem::path f =
      std::filesystem::temp_directory_path() / ("mmpy_test_" + std::to_string(::getpid()) + ".py");
  std::ofstream(f) << script;
  const mm::test::CliRun r = mm::test::run_shell(mm::test::python_env() + "PYTHONPATH=" + kTools +
                                                 " /usr/bin/python3 " + f.string());
  std::filesystem::remove(f);
  return r;
}

const std::string kPrelude = R"(
import json, subprocess, sys, threading, time, tomllib
import mmpy
REC = ")" + kRec + R"("
FIXED = ")" + kFixed + R"("
MM = ")" + kTools + R"(/mm"
data = mmpy.load_data([REC])
assert data.events > 10000, data.events
toml_text = open(FIXED).read()
)";

TEST(Mmpy, SameStatsAsTheCliFromTomlOrDict) {
  const mm::test::CliRun r = python(kPrelude + R"(
res = mmpy.run_backtest(toml_text, data)
assert set(res) == {"stats", "run"}, res.keys()
assert res["run"]["events"] > 10000
cfg = tomllib.loads(toml_text)
res2 = mmpy.run_backtest(cfg, data)
assert res2["stats"] == res["stats"], (res2["stats"], res["stats"])
cli = json.loads(subprocess.run([MM, "backtest", "--quiet", "--config", FIXED, "--data", REC, "--json", "-"],
                                check=True, capture_output=True, text=True).stdout)
assert cli["stats"] == res["stats"], (cli["stats"], res["stats"])
# On a generated 5-minute market (the recording is too short for fills), a tight quote fills and a
# parameter changes the outcome.
gen = "/tmp/mmpy_test_gen_%d.mmcap" % __import__("os").getpid()
subprocess.run([MM, "gen", "--symbol", "BTCUSDT", "--seconds", "300", "--seed", "5", "--out", gen], check=True,
               capture_output=True)
gdata = mmpy.load_data([gen])
__import__("os").remove(gen)
cfg["strategy"]["half_spread_bps"] = 0.3
cfg["strategy"]["level_spacing_bps"] = 0.2
tight = mmpy.run_backtest(cfg, gdata)
assert tight["stats"]["fills"] > 0, tight["stats"]
cfg["strategy"]["half_spread_bps"] = 1.5
wide = mmpy.run_backtest(cfg, gdata)
assert wide["stats"] != tight["stats"]
print("ok")
)");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}

TEST(Mmpy, BadConfigsRaiseValueErrorNamingTheKey) {
  const mm::test::CliRun r = python(kPrelude + R"(
cfg = tomllib.loads(toml_text)
cases = [
  ({**cfg, "backtest": {"queue_modle": "log"}}, "backtest.queue_modle"),
  ({**cfg, "strategy": {**cfg["strategy"], "half_spread_bps": -1.0}}, "strategy.half_spread_bps"),
  ({**cfg, "market": {"category": "linear", "symbol": "NOPEUSDT"}}, "NOPEUSDT"),
  ("[strategy\nkind=", "TOML syntax error"),
]
for c, needle in cases:
    try:
        mmpy.run_backtest(c, data)
    except ValueError as e:
        assert needle in str(e), (needle, str(e))
    else:
        raise AssertionError("no error for " + needle)
try:
    mmpy.run_backtest(42, data)
except TypeError:
    pass
else:
    raise AssertionError("no TypeError")
try:
    mmpy.load_data(["/nonexistent/file.events"])
except ValueError as e:
    assert "/nonexistent/file.events" in str(e), str(e)
else:
    raise AssertionError("no error for a missing file")
print("ok")
)");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(Mmpy, SeriesAreNumpyArrays) {
  const mm::test::CliRun r = python(kPrelude + R"(
import numpy as np
res = mmpy.run_backtest(toml_text, data, series=True)
s = res["series"]
ts = s["samples"]["ts_ns"]
assert isinstance(ts, np.ndarray) and ts.dtype == np.int64 and len(ts) > 10, (type(ts), len(ts))
assert (np.diff(ts) >= 0).all()
assert len(s["samples"]["equity_units"]) == len(ts)
assert len(s["fills"]["price_ticks"]) == res["stats"]["fills"], (len(s["fills"]["price_ticks"]), res["stats"]["fills"])
# Exact path and exact mids: every fill carries its position and equity after; mids are in half ticks.
f = s["fills"]
assert len(f["position_after_lots"]) == len(f["price_ticks"]) and len(f["equity_after_units"]) == len(f["price_ticks"])
mids = s["samples"]["mid_half_ticks"]
assert (mids[mids != 0] > 0).all()
# Undefined statistics: null (None) and listed; everything listed is None, everything None is listed.
st = res["stats"]
assert isinstance(st["undefined"], list), st
for k in st["undefined"]:
    node = st
    for part in k.split("."):
        node = node[part]
    assert node is None, (k, node)
assert all((v is not None) or (k in st["undefined"]) for k, v in st.items() if k != "undefined")
print("ok")
)");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST(Mmpy, ReleasesTheGilAndThreadsAgree) {
  const mm::test::CliRun r = python(kPrelude + R"(
ticks = 0
stop = False
def spin():
    global ticks
    while not stop:
        ticks += 1
        time.sleep(0.001)
t = threading.Thread(target=spin)
t.start()
time.sleep(0.01)
before = ticks
res = mmpy.run_backtest(toml_text, data)
during = ticks - before
stop = True
t.join()
# With the GIL held for the whole run the other thread could not have ticked at all.
assert res["run"]["wall_s"] < 0.02 or during > 0, (during, res["run"]["wall_s"])
# Two runs in threads on the shared data give the sequential result.
out = [None, None]
def worker(i):
    out[i] = mmpy.run_backtest(toml_text, data)["stats"]
ws = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
[w.start() for w in ws]
[w.join() for w in ws]
assert out[0] == res["stats"] and out[1] == res["stats"]
print("ok")
)");
  EXPECT_EQ(r.code, 0) << r.out;
}

}  // namespace
