"""The wheel carries the rule data: an installed `assess` must find its rules without the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_contains_rules(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("kube_docker_assessor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {n.split("assessor/_rules/", 1)[1] for n in names if n.startswith("assessor/_rules/")}
    in_tree = {str(p.relative_to(ROOT / "rules")) for p in (ROOT / "rules").rglob("*.yaml")}
    assert bundled == in_tree
    assert "assessor/py.typed" in names
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "assessor").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
