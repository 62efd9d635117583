#!/usr/bin/python3
"""Socket-to-quote on loopback (issue 11, Performance): the simulator's reaction_ns (last byte of a public book
frame written -> first byte of the next order request read) while a client quotes, for `mm run` (one-thread
and pipeline layouts; io_uring and Beast transports, plain TCP and TLS) and for the Python reference bot (bench/live/reference_bot.py), each against
a fresh `mm sim` serving the same generated market. Prints a table and the ratio. A benchmark, not a test:
figures on a shared VM move from run to run; compare the rows of one run (the load average is printed with them).

    /usr/bin/python3 bench/live/reaction_bench.py --mm build/release/tools/mm --seconds 20
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_sim(mm, summary, seconds, speed, tmp, tls=False, busy_poll=False, cpu=-1):
    # The test key with trade permissions only (mm run refuses a key that can move funds) and an IP whitelist.
    keys = os.path.join(tmp, "keys.toml")
    with open(keys, "w") as f:
        f.write('[[key]]\napi_key = "mmsim-test-key"\nsecret = "mmsim-test-secret"\n'
                'permissions = ["ContractTrade", "Spot"]\nip_whitelist = ["127.0.0.1"]\n')
    tls_args = ["--tls", "--cert-dir", os.path.join(tmp, "certs")] if tls else []
    # --busy-poll: the simulator spins instead of sleeping in epoll, so reaction_ns (stamped by its own event
    # loop when it reads the request) no longer includes its wake-up from epoll_wait.
    tls_args += ["--busy-poll"] if busy_poll else []
    # --cpu: the simulator's event loop on a CPU of its own, away from the node's hot thread (--mm-cpu).
    tls_args += ["--cpu", str(cpu)] if cpu >= 0 else []
    p = subprocess.Popen([mm, "sim", "--gen", str(seconds), "--speed", str(speed), "--loop", "--keys", keys,
                          "--summary-json", summary] + tls_args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()  # the one ready line (bounded by the generator's run time)
    m = re.search(r"(https?://127\.0\.0\.1:\d+)", line)
    if not m:
        p.kill()
        sys.exit(f"reaction_bench: mm sim did not start: {line}{p.stderr.read()}")
    return p, m.group(1)


def stop_sim(p, summary):
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    with open(summary) as f:
        return json.load(f)


def mm_config(url, journal, transport, ca_file, half_spread_bps=0.0):
    with open(os.path.join(ROOT, "examples", "live_sim.toml")) as f:
        text = f.read()
    ws = url.replace("https://", "wss://").replace("http://", "ws://")
    venue = (f'endpoint = "custom"\nrest_url = "{url}"\npublic_ws_url = "{ws}/v5/public/linear"\n'
             f'private_ws_url = "{ws}/v5/private"\ntrade_ws_url = "{ws}/v5/trade"\nws_transport = "{transport}"')
    if ca_file:
        venue += f'\nca_file = "{ca_file}"'
    text = re.sub(r'(?m)^endpoint = "sim"', venue, text)
    text = re.sub(r'journal = "[^"]*"', f'journal = "{journal}"', text)
    # Operations on, as in production, but on a free port: never the contract default 127.0.0.1:9464, which a
    # running mm (or a second bench) may hold.
    text = re.sub(r'http_listen = "[^"]*"', 'http_listen = "127.0.0.1:0"', text)
    if half_spread_bps > 0:
        text = re.sub(r'(?m)^half_spread_bps = [0-9.]+', f'half_spread_bps = {half_spread_bps}', text)
    return text


# A client: (label, "mm" or "python", transport, tls, layout).
def run_client(client, args, tmp):
    name, kind, transport, tls, layout = client
    summary = os.path.join(tmp, f"{name.replace(' ', '_').replace(',', '')}.json")
    sim, url = start_sim(args.mm, summary, args.market_seconds, args.speed, tmp, tls, args.sim_busy_poll,
                         args.sim_cpu)
    try:
        if kind == "mm":
            cfg = os.path.join(tmp, "live.toml")
            ca = os.path.join(tmp, "certs", "ca.pem") if tls else ""
            with open(cfg, "w") as f:
                f.write(mm_config(url, os.path.join(tmp, "journal"), transport, ca, args.half_spread_bps))
            env = dict(os.environ, BYBIT_API_KEY="mmsim-test-key", BYBIT_API_SECRET="mmsim-test-secret")
            layout_args = ["--layout", layout]
            if layout == "pipeline":
                layout_args += ["--idle", args.pipeline_idle] + (["--cpus", args.pipeline_cpus] if args.pipeline_cpus else [])
            elif args.mm_cpu >= 0:
                layout_args += ["--cpus", str(args.mm_cpu)]
            subprocess.run([args.mm, "run", "--config", cfg, "--duration", str(args.seconds), "--json"] + layout_args,
                           env=env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=args.seconds + 60)
        else:
            subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "live", "reference_bot.py"), "--url", url,
                            "--seconds", str(args.seconds)], check=True, stdout=subprocess.DEVNULL,
                           timeout=args.seconds + 60)
    finally:
        result = stop_sim(sim, summary)
    return result["reaction_ns"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mm", default=os.path.join(ROOT, "build", "release", "tools", "mm"))
    ap.add_argument("--seconds", type=float, default=20, help="quoting time per client")
    ap.add_argument("--market-seconds", type=int, default=600, help="generated market length (looped)")
    ap.add_argument("--speed", type=float, default=10)
    ap.add_argument("--no-tls", action="store_true", help="skip the TLS rows (mm run over wss:// and https://)")
    ap.add_argument("--sim-busy-poll", action="store_true",
                    help="mm sim --busy-poll: the simulator spins (one core) instead of waking from epoll")
    ap.add_argument("--half-spread-bps", type=float, default=0.0,
                    help="override the example's strategy.half_spread_bps (smaller: more quotes, more samples)")
    ap.add_argument("--no-pipeline", action="store_true", help="skip the pipeline-layout rows")
    ap.add_argument("--pipeline-idle", default="yield", choices=["backoff", "yield", "spin"],
                    help="mm run --idle for the pipeline rows (spin needs a CPU per thread: --pipeline-cpus)")
    ap.add_argument("--sim-cpu", type=int, default=-1, help="mm sim --cpu: pin the simulator's event loop")
    ap.add_argument("--mm-cpu", type=int, default=-1, help="mm run --cpus for the one-thread rows (the hot thread)")
    ap.add_argument("--pipeline-cpus", default="", help="mm run --cpus for the pipeline rows (network,decision,dispatch)")
    args = ap.parse_args()
    one = "one-thread"
    clients = [("mm run, io_uring", "mm", "io_uring", False, one), ("mm run, beast", "mm", "beast", False, one)]
    if not args.no_pipeline:
        clients += [("mm run, io_uring, pipeline", "mm", "io_uring", False, "pipeline"),
                    ("mm run, beast, pipeline", "mm", "beast", False, "pipeline")]
    if not args.no_tls:
        clients += [("mm run, io_uring, TLS", "mm", "io_uring", True, one),
                    ("mm run, beast, TLS", "mm", "beast", True, one)]
        if not args.no_pipeline:
            clients.append(("mm run, io_uring, TLS, pipeline", "mm", "io_uring", True, "pipeline"))
    clients.append(("python reference", "python", "", False, ""))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [(c[0], run_client(c, args, tmp)) for c in clients]
    load_after = os.getloadavg()
    print(f"{'client':<32} {'samples':>8} {'p50 us':>9} {'p90 us':>9} {'p99 us':>9}")
    for name, r in rows:
        print(f"{name:<32} {r['count']:>8} {r['p50'] / 1e3:>9.1f} {r['p90'] / 1e3:>9.1f} {r['p99'] / 1e3:>9.1f}")
    print(f"load average (1 min) before / after: {load_before[0]:.1f} / {load_after[0]:.1f}; "
          f"CPUs: {os.cpu_count()}")
    mm, py = rows[0][1], rows[-1][1]
    if mm["p50"] > 0:
        print(f"python / mm (io_uring, plain) at p50: {py['p50'] / mm['p50']:.1f}x, "
              f"at p99: {py['p99'] / max(mm['p99'], 1):.1f}x")


if __name__ == "__main__":
    main()
