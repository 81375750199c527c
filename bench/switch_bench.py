"""Switch-test benchmarks: pacing lateness, the highest rate one core keeps, the shortest outage seen.

Run: python bench/switch_bench.py [--quick]
Needs nginx (and hey, for the side-by-side figure). Traffic stays on 127.0.0.0/8; every loop is
bounded in count and time. Prints figures; not part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assessor.switch.analysis import find_intervals
from assessor.switch.http import Target
from assessor.switch.pacer import Pacer, RequestRecord, Sampler
from tests.lab.lab import Lab, free_port, nginx_binary, nginx_conf, wait_port


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def static_nginx(root: Path) -> tuple[str, int]:
    nginx = nginx_binary()
    assert nginx, "nginx is needed: apt-get install nginx-light"
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    block = (
        f"  server {{ listen 127.0.0.1:{port}; keepalive_requests 1000000;\n    location / {{ return 200 'ok\\n'; }} }}"
    )
    (root / "nginx.conf").write_text(nginx_conf(root, block).replace("worker_processes 1;", "worker_processes 1;"))
    subprocess.run([nginx, "-p", str(root), "-c", str(root / "nginx.conf")], check=True, capture_output=True)
    wait_port("127.0.0.1", port)
    return nginx, port


def run_pacer(url: str, samplers: tuple[str, ...], rate: float, seconds: float) -> list[RequestRecord]:
    out: list[RequestRecord] = []

    async def go() -> None:
        pacer = Pacer([Sampler(s, Target.parse(url), 5.0) for s in samplers], rate, out.append, 100000)
        await pacer.run(seconds)

    asyncio.run(go())
    return out


def lateness(url: str, quick: bool) -> None:
    print("Pacing lateness against a local nginx (keep-alive sampler; lag = send time - due time)")
    print(f"{'rate/s':>8}{'requests':>10}{'lag p50 ms':>12}{'lag p99 ms':>12}{'errors':>8}")
    for rate in (5, 100, 1000):
        seconds = 4.0 if rate == 5 else (2.0 if quick else 5.0)
        rows = run_pacer(url, ("keepalive",), rate, seconds)
        lags = [r.lag_ms for r in rows]
        print(
            f"{rate:>8}{len(rows):>10}{pct(lags, 0.5):>12.3f}{pct(lags, 0.99):>12.3f}{sum(not r.ok for r in rows):>8}"
        )


def max_rate(url: str, quick: bool) -> None:
    print("\nHighest rate one core keeps with keep-alive while lag p99 < 5 ms (3 s per step, pinned to CPU 0)")
    os.sched_setaffinity(0, {0})
    best, best_inflight = 0, 1
    print(f"{'rate/s':>8}{'lag p99 ms':>12}{'achieved/s':>12}{'p99 latency ms':>16}")
    for rate in (500, 1000, 2000, 3000, 4000, 6000, 8000):
        rows = run_pacer(url, ("keepalive",), rate, 1.5 if quick else 3.0)
        lag99 = pct([r.lag_ms for r in rows], 0.99)
        span = max(r.sent for r in rows) - min(r.sent for r in rows)
        lat99 = pct([r.latency_ms or 0 for r in rows], 0.99)
        achieved = len(rows) / span if span else 0
        print(f"{rate:>8}{lag99:>12.3f}{achieved:>12.0f}{lat99:>16.3f}")
        if lag99 < 5.0 and all(r.ok for r in rows):
            best = rate
            best_inflight = max(1, round(rate * statistics.median([r.latency_ms or 0 for r in rows]) / 1000) + 1)
        else:
            break
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    print(f"highest rate kept: {best}/s (about {best_inflight} request(s) in flight)")
    hey = shutil.which("hey")
    if hey:
        proc = subprocess.run(
            [hey, "-z", "3s", "-c", str(best_inflight), url], capture_output=True, text=True, timeout=60
        )
        match = re.search(r"Requests/sec:\s+([\d.]+)", proc.stdout)
        print(
            f"hey -c {best_inflight} (closed model, as fast as it can, same machine, same run): "
            f"{float(match.group(1)) if match else float('nan'):.0f} requests/s"
        )
    else:
        print("hey is not installed: apt-get install hey for the side-by-side figure")


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}/{max(values, key=abs):.0f}" if values else "-"


def shortest_outage(quick: bool) -> None:
    print("\nShortest backend outage detected at 20 requests/s per sampler (both samplers, lab node behind a")
    print("random load balancer; the backend answers 503 between two signals, so the outage is exact)")
    print(f"{'outage ms':>10}{'runs':>6}{'detected':>10}{'start error ms p50/max':>24}{'end error ms p50/max':>22}")
    nginx = nginx_binary()
    assert nginx
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(Path(tmp), nginx)
        lab.start()
        try:
            for outage_ms in (10, 25, 50, 100, 200, 500, 1000):
                runs = 3 if quick else 10
                detected, starts, ends = 0, [], []
                for _ in range(runs):
                    rows: list[RequestRecord] = []
                    marks: dict[str, float] = {}

                    async def go(
                        rows: list[RequestRecord] = rows, marks: dict[str, float] = marks, outage_ms: int = outage_ms
                    ) -> None:
                        pacer = Pacer(
                            [Sampler(s, Target.parse(lab.url), 2.0) for s in ("new", "keepalive")],
                            20,
                            rows.append,
                            1000,
                        )
                        load = asyncio.create_task(pacer.run(3.0))
                        await asyncio.sleep(1.0)
                        pid = lab.apps["node-a"].pid
                        marks["start"] = time.time()
                        os.kill(pid, signal.SIGUSR1)
                        await asyncio.sleep(outage_ms / 1000)
                        os.kill(pid, signal.SIGUSR2)
                        marks["end"] = time.time()
                        await load

                    asyncio.run(go())
                    intervals = find_intervals([r.to_dict() for r in rows], 2.0)
                    if intervals:
                        detected += 1
                        starts.append((min(i.start for i in intervals) - marks["start"]) * 1000)
                        ends.append((max(i.end for i in intervals) - marks["end"]) * 1000)
                print(f"{outage_ms:>10}{runs:>6}{detected:>10}{fmt(starts):>24}{fmt(ends):>22}")
        finally:
            lab.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter steps, for a smoke run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        nginx, port = static_nginx(Path(tmp) / "static")
        try:
            url = f"http://127.0.0.1:{port}/"
            lateness(url, args.quick)
            max_rate(url, args.quick)
        finally:
            subprocess.run(
                [nginx, "-p", f"{tmp}/static", "-c", f"{tmp}/static/nginx.conf", "-s", "quit"], capture_output=True
            )
    shortest_outage(args.quick)


if __name__ == "__main__":
    main()
