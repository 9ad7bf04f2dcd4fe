#!/usr/bin/env python3
"""Samantha's benchmarks, quoted as ratios against a baseline measured in the same run.

Usage: run-benchmarks.py BUILDDIR   (under tests/headless-run.sh: it needs Xvfb and a bus)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILDDIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "_build")
RUNS = int(os.environ.get("SAMANTHA_BENCH_RUNS", "15"))


def base_env(home):
    env = dict(os.environ)
    for key in ("SAMANTHA_API_KEY", "SAMANTHA_PROVIDER", "SAMANTHA_BASE_URL", "SAMANTHA_MODEL"):
        env.pop(key, None)
    env.update({
        "HOME": home,
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "GSETTINGS_BACKEND": "memory",
        "GSETTINGS_SCHEMA_DIR": os.path.join(BUILDDIR, "data"),
        "GSK_RENDERER": "cairo",
        "GDK_BACKEND": "x11",
        "ADW_DISABLE_PORTAL": "1",
        "GTK_USE_PORTAL": "0",
        "NO_AT_BRIDGE": "1",
    })
    return env


def run_once(argv, env):
    """Runs argv to completion; returns (wall seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace")
        raise SystemExit(f"{argv[0]} exited with {proc.returncode}: {err}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def bench_startup(samantha_home, label):
    """Start to first frame of samantha against the bare libadwaita window, alternating."""
    bare = [os.path.join(BUILDDIR, "tests", "bench", "bench-bare-window")]
    app = [os.path.join(BUILDDIR, "src", "samantha")]
    with tempfile.TemporaryDirectory(prefix="samantha-bench-bare-") as bare_home:
        bare_env = base_env(bare_home)
        app_env = base_env(samantha_home)
        app_env["SAMANTHA_EXIT_AFTER_FIRST_FRAME"] = "1"

        # One warm-up each, so neither pays for a cold page cache.
        run_once(bare, bare_env)
        run_once(app, app_env)

        bare_times, bare_rss, app_times, app_rss = [], [], [], []
        for _ in range(RUNS):
            t, rss = run_once(bare, bare_env)
            bare_times.append(t)
            bare_rss.append(rss)
            t, rss = run_once(app, app_env)
            app_times.append(t)
            app_rss.append(rss)

    bt, at = statistics.median(bare_times), statistics.median(app_times)
    bm, am = statistics.median(bare_rss), statistics.median(app_rss)
    print(f"startup ({label}): samantha {at * 1000:.1f} ms, bare window {bt * 1000:.1f} ms, "
          f"ratio {at / bt:.2f} (budget 1.30)")
    print(f"peak memory ({label}): samantha {am / 1024:.1f} MiB, bare window {bm / 1024:.1f} MiB, "
          f"difference {(am - bm) / 1024:+.1f} MiB (budget +25.0)")
    return at / bt <= 1.3 and (am - bm) / 1024 <= 25.0


def populate_store(home):
    """Writes 1,000 conversations / 100,000 messages into the store of HOME's data dir."""
    data_home = os.path.join(home, "data")
    populate = os.path.join(BUILDDIR, "tests", "bench", "bench-populate-store")
    subprocess.run([populate, data_home], check=True, stdout=subprocess.DEVNULL)


def bench_store():
    """FTS search over 100,000 messages and opening a 100,000-message conversation, each
    against a naive baseline (LIKE scan, every message materialised) in the same run."""
    bench = os.path.join(BUILDDIR, "tests", "bench", "bench-store")
    proc = subprocess.run([bench], stdout=subprocess.PIPE, text=True)
    print(proc.stdout, end="")
    return proc.returncode == 0


def bench_streaming():
    """20,000 tokens at 1,000 tokens/s into the real conversation view."""
    exe = os.path.join(BUILDDIR, "tests", "bench", "bench-streaming")
    with tempfile.TemporaryDirectory(prefix="samantha-bench-stream-") as home:
        env = base_env(home)
        env["GTK_A11Y"] = "none"
        result = subprocess.run([exe], env=env, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        print(line)
    return result.returncode == 0


def bench_stream_decoder():
    """SSE and NDJSON decoding of the recorded wire fixtures, repeated to 64 MB, against
    memchr over the same bytes."""
    exe = os.path.join(BUILDDIR, "tests", "bench", "bench-stream-decoder")
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "wire")
    result = subprocess.run([exe, fixtures], stdout=subprocess.PIPE, text=True)
    print(result.stdout, end="")
    return result.returncode == 0


def main():
    ok = True
    with tempfile.TemporaryDirectory(prefix="samantha-bench-") as home:
        ok &= bench_startup(home, "empty store")
    with tempfile.TemporaryDirectory(prefix="samantha-bench-large-") as home:
        populate_store(home)
        ok &= bench_startup(home, "1,000 conversations / 100,000 messages")
    ok &= bench_store()
    ok &= bench_streaming()
    ok &= bench_stream_decoder()
    print("all budgets met" if ok else "some budgets were missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
