"""The scale benchmark runs end to end at a tiny size: generator, snapshot, live, growth, manifests.

Speed is not asserted here (bench/ prints figures); correctness is: both scans must report
exactly the planted findings, and the live scan must page and never ask per object.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.gen_cluster import write
from tests.conftest import ROOT


def test_generator_is_deterministic_and_plants_what_it_says(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    expected = write(a, nodes=30, pods=3000, seed=7)
    write(b, nodes=30, pods=3000, seed=7)
    assert a.read_bytes() == b.read_bytes()
    items = json.loads(a.read_text())["items"]
    kinds = Counter(i["kind"] for i in items)
    assert kinds["Pod"] == 3000 and kinds["Node"] == 30
    docker_nodes = sum(
        i["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("docker://") for i in items if i["kind"] == "Node"
    )
    assert docker_nodes == 15
    rules = Counter(e[0] for e in expected)
    assert rules["NODE001"] == rules["NODE003"] == 15
    workloads = kinds["Deployment"] + kinds["DaemonSet"]
    planted = sum(n for r, n in rules.items() if r.startswith("DOCK"))
    assert 0.005 * workloads <= planted <= 0.06 * workloads


def test_smoke_run_of_the_scale_benchmark(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scale.py"), "--smoke", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for form in ("indented", "compact"):
        assert re.search(rf"snapshot scan, {form}: \d+ findings, exactly the planted ones", out)
    assert "top 25 by cumulative time" not in out  # profiling is not part of the default run
    assert re.search(r"assess manifests one-file.yaml +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+", out)
    assert re.search(r"live scan: \d+ findings, exactly the planted ones", out)
    assert "one request per page: met; no per-object request: met" in out
    assert "/api/v1/pods                   600             2         2" in out
    assert out.rstrip().endswith("findings exactly as planted: yes")


def test_profile_part_prints_the_top_functions(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scale.py"),
            "--smoke",
            "--work",
            str(tmp_path),
            "--parts",
            "profile",
            "--forms",
            "compact",
            "--profile-top",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "top 30 by cumulative time" in proc.stdout
    assert re.search(r"\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ assessor/scan\.py:\d+\(scan\)", proc.stdout)
