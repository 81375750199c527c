"""Start-up: a scan imports only what it runs. A one-file manifest scan must not pay for the
Kubernetes client, the migration planner or the switch test (bench/scale.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

HEAVY = ("kubernetes", "assessor.migration", "assessor.switch")

# Runs the command in a fresh interpreter, then prints which of HEAVY it imported.
PROBE = """
import json, sys
from assessor.cli import app
try:
    app(sys.argv[2:])
except SystemExit:
    pass
heavy = json.loads(sys.argv[1])
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          env: [{name: DOCKER_HOST, value: 'tcp://localhost:2375'}]
"""


def imported(args: list[str]) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr
    found: list[str] = json.loads(lines[-1])
    return found


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["manifests", "{file}", "-o", "json"], []),
        (["manifests", "{file}"], []),  # the default table output
        (["cluster", "--snapshot", str(FIXTURES / "clusters" / "seed-rke1.yaml"), "-o", "json"], []),
        (["rke", str(FIXTURES / "rke" / "seed-cluster.yml"), "-o", "json"], []),
        # the one that plans does import the planner: the probe sees imports
        (
            ["plan", str(FIXTURES / "rke" / "seed-cluster.yml"), "--out", "{out}", "-o", "json"],
            ["assessor.migration"],
        ),
    ],
)
def test_a_scan_imports_only_what_it_runs(tmp_path: Path, command: list[str], expected: list[str]) -> None:
    one = tmp_path / "one-file.yaml"
    one.write_text(MANIFEST, encoding="utf-8")
    args = [a.format(file=one, out=tmp_path / "plan") for a in command]
    assert imported([*args, "--fail-on", "none"]) == expected


def test_the_one_file_scan_still_finds_what_it_should(tmp_path: Path) -> None:
    one = tmp_path / "one-file.yaml"
    one.write_text(MANIFEST, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", "manifests", str(one), "-o", "json", "--fail-on", "none"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert [f["ruleId"] for f in json.loads(proc.stdout)["findings"]] == ["DOCK006"]


def test_the_catalog_names_every_planner_template() -> None:
    from assessor.catalog import PLANNER_TEMPLATES
    from assessor.migration.forecast_templates import FORECAST_CHECKS

    assert {t.name for t in FORECAST_CHECKS.templates} == PLANNER_TEMPLATES
