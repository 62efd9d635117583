"""Data safety of mm optimize (issue 15): every bad input is a clear message with exit 2 and nothing written,
no raw traceback, outputs are replaced atomically and never through a planted link, a storage server that
never answers is given up on, walk-forward window counts are capped, and Ctrl-C ends quietly.

    /usr/bin/python3 -m unittest discover -s tools/optimize/tests -v
"""
import os
import signal
import socket
import subprocess
import threading
import time
import unittest

from test_mm_optimize import Base


class DataSafetyTest(Base):
    def assert_clean_error(self, r, code, text):
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertIn(text, r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_non_finite_search_ranges_are_refused(self):
        out = os.path.join(self.dir, "o")
        for bad, where in (("low = nan, high = 10.0", "low"), ("low = 0.5, high = inf", "high"),
                           ("low = -inf, high = 10.0", "low")):
            sp = self.space()
            with open(sp) as f:
                text = f.read().replace("low = 0.5, high = 10.0, log = true", bad)
            with open(sp, "w") as f:
                f.write(text)
            r = self.run_opt("--space", sp, "--trials", "2", "--out", out, "--no-plots")
            self.assert_clean_error(r, 2, f'params."strategy.half_spread_bps".{where}')
            self.assertFalse(os.path.exists(out))
        sp = self.space('[constraints]\nmax_drawdown_pct = nan')
        r = self.run_opt("--space", sp, "--trials", "2", "--out", out, "--no-plots")
        self.assert_clean_error(r, 2, "constraints.max_drawdown_pct")
        self.assertFalse(os.path.exists(out))

    def test_unwritable_out_is_refused_before_any_work(self):
        blocker = os.path.join(self.dir, "a_file")
        open(blocker, "w").close()
        for out in (os.path.join(blocker, "o"), blocker, "/proc/mm_optimize_out"):
            r = self.run_opt("--space", self.space(), "--trials", "2", "--out", out, "--no-plots")
            self.assert_clean_error(r, 2, "--out")
        self.assertEqual(sorted(os.listdir(self.dir)), ["a_file", "data.bin", "space.toml"])

    def test_walk_forward_window_count_is_capped(self):
        out = os.path.join(self.dir, "o")
        top = '[walk_forward]\ntrain = "10m"\ntest = "10m"\nstep = "1ms"'
        t0 = time.monotonic()
        r = self.run_opt("--space", self.space(top), "--trials", "1", "--out", out, "--no-plots")
        self.assert_clean_error(r, 2, "walk_forward.step")
        self.assertLess(time.monotonic() - t0, 60)
        self.assertFalse(os.path.exists(out))

    def test_planted_temporary_links_are_not_followed(self):
        out = os.path.join(self.dir, "o")
        os.makedirs(out)
        victim = os.path.join(self.dir, "victim")
        with open(victim, "w") as f:
            f.write("precious")
        for name in ("best.toml", "summary.json", "trials.csv"):
            os.symlink(victim, os.path.join(out, name + ".tmp"))
        r = self.run_opt("--space", self.space(), "--trials", "3", "--seed", "1", "--out", out, "--no-plots")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious")
        for name in ("best.toml", "summary.json", "trials.csv"):
            self.assertFalse(os.path.islink(os.path.join(out, name)))
        leftovers = [n for n in os.listdir(out) if n.endswith(".tmp") and not os.path.islink(os.path.join(out, n))]
        self.assertEqual(leftovers, [])

    def test_a_storage_server_that_never_answers_is_given_up(self):
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        port = srv.getsockname()[1]
        held = []
        stop = threading.Event()

        def accept():  # accepts connections and never says a word
            srv.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(srv.accept()[0])
                except OSError:
                    pass

        t = threading.Thread(target=accept)
        t.start()
        try:
            out = os.path.join(self.dir, "o")
            env = {"MM_OPTIMIZE_CONNECT_TIMEOUT": "2"}
            t0 = time.monotonic()
            r = self.run_opt_env(env, "--space", self.space(), "--trials", "1", "--out", out, "--no-plots",
                                 "--storage", f"postgresql://u:p@127.0.0.1:{port}/db", timeout=120)
            self.assertLess(time.monotonic() - t0, 60)
            self.assert_clean_error(r, 1, "cannot connect")
            self.assertNotIn(":p@", r.stderr)  # the password is redacted
            self.assertFalse(os.path.exists(out))
        finally:
            stop.set()
            t.join()
            for c in held:
                c.close()
            srv.close()

    def test_sigint_ends_quietly(self):
        out = os.path.join(self.dir, "o")
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_mmpy"),
                   FAKE_MMPY_SLEEP="0.05")
        from test_mm_optimize import SCRIPT
        p = subprocess.Popen(["/usr/bin/python3", SCRIPT, "--data", self.data, "--space", self.space(),
                              "--trials", "100000", "--out", out, "--no-plots"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(3)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 130, err)
        self.assertIn("interrupted", err)
        self.assertNotIn("Traceback", err)

    def run_opt_env(self, extra, *args, timeout=None):
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_mmpy"),
                   **extra)
        from test_mm_optimize import SCRIPT
        return subprocess.run(["/usr/bin/python3", SCRIPT, "--data", self.data, *args], env=env,
                              capture_output=True, text=True, timeout=timeout)


if __name__ == "__main__":
    unittest.main()
