"""Peak memory of the switch analysis over a large requests.jsonl.

    python bench/switch_analysis_memory.py [--records 1000000] [--keep FILE]

Writes a synthetic requests.jsonl the way a run writes it (completion order, two samplers,
a few disruption intervals, some late completions), then runs the analysis in a fresh
child process and prints its peak RSS (ru_maxrss) and wall time. Works against the code
on PYTHONPATH, before and after streaming (it calls whichever analyse the code has).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import resource, sys, time
from pathlib import Path
from assessor.switch import analysis
from assessor.switch.analysis import Thresholds
path = Path(sys.argv[1])
started = time.monotonic()
if hasattr(analysis, "analyse_file"):
    summary = analysis.analyse_file(path, [], 50.0, {}, Thresholds(), {}, timeout=5.0)
else:
    from assessor.switch.record import read_jsonl
    summary = analysis.analyse(read_jsonl(path), [], 50.0, {}, Thresholds(), {})
took = time.monotonic() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
totals = summary["totals"]
print(f"{totals['requests']} {totals['errors']} {len(summary['intervals'])} {peak_mb:.0f} {took:.1f}")
"""


def write_records(path: Path, count: int, rate: float = 50.0) -> None:
    """count records from two samplers at rate each, written in completion order as the run does."""
    rng = random.Random(7)
    t0 = 1_800_000_000.0
    pending: list[tuple[float, str]] = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count // 2):
            sent = t0 + i / rate
            for sampler in ("new", "keepalive"):
                failing = (i // 5000) % 20 == 19 and i % 3 == 0  # a burst of failures now and then
                latency = rng.uniform(0.5, 4.0) if not failing else rng.uniform(0.5, 900.0)
                rec = {
                    "sampler": sampler,
                    "url": "http://127.0.0.1:8080/healthz",
                    "seq": i,
                    "request_id": f"abcd1234-{sampler}-{i}",
                    "phase": "run",
                    "scheduled": sent,
                    "sent": sent,
                    "lag_ms": round(rng.uniform(0.0, 2.0), 3),
                    "latency_ms": round(latency, 3),
                    "status": 502 if failing else 200,
                    "error_class": "http-5xx" if failing else None,
                    "error": None,
                    "reused": sampler == "keepalive",
                    "remote": "127.0.0.1:8080",
                }
                pending.append((sent + latency / 1000, json.dumps(rec, separators=(",", ":"))))
            if len(pending) > 200:
                pending.sort()
                for _, line in pending[:100]:
                    fh.write(line + "\n")
                del pending[:100]
        pending.sort()
        fh.writelines(line + "\n" for _, line in pending)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the file here (and reuse it if it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "requests.jsonl"
        if not path.exists():
            write_records(path, args.records)
        started = time.monotonic()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=os.environ, check=False
        )
        if child.returncode != 0:
            sys.exit(child.stderr)
        requests, errors, intervals, peak_mb, took = child.stdout.split()
        size_mb = path.stat().st_size / 1e6
        print(
            f"records {requests} ({size_mb:.0f} MB), errors {errors}, intervals {intervals}: "
            f"peak RSS {peak_mb} MB, analysis {took} s (child total {time.monotonic() - started:.1f} s)"
        )


if __name__ == "__main__":
    main()
