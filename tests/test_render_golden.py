"""Rendered output of the bundled cluster, held against golden files.

After an intended change, regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`
and review the diff like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assessor.document import build_document
from assessor.model.kversion import Minor
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind, formats, render
from assessor.scan import ScanOptions, scan
from assessor.sources.files import load_snapshot, scan_paths
from assessor.sources.rke import load_rke_config
from assessor.versions.assessment import VersionInputs
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"table": "txt", "json": "json", "yaml": "yaml", "markdown": "md", "sarif": "sarif", "junit": "junit.xml"}


def _doc(kind: str) -> dict:  # type: ignore[type-arg]
    if kind == "seed":
        return build_document(scan(load_snapshot("fixtures/clusters/seed-rke1.yaml")))
    if kind == "rke":
        # assess rke fixtures/rke/seed-cluster.yml --rke-version v1.3.2 --target v1.21.6 --snapshot …
        source = load_snapshot("fixtures/clusters/seed-rke1.yaml")
        source.description = {"type": "rke", "path": "fixtures/rke/seed-cluster.yml", "cluster": source.description}
        config = load_rke_config("fixtures/rke/seed-cluster.yml")
        options = ScanOptions(target=Minor(1, 21), versions=VersionInputs(config=config, rke_version="v1.3.2"))
        return build_document(scan(source, None, options))
    return build_document(scan(scan_paths(["tests/rules/DOCK001", "tests/rules/DOCK003"])))


@pytest.mark.parametrize("fmt", formats(Kind.scan))
@pytest.mark.parametrize("kind", ["seed", "manifests", "rke"])
def test_golden(fmt: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "140")
    text = render(Kind.scan, fmt, _doc(kind), RenderOptions())
    path = GOLDEN / f"{kind}.{SUFFIX[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs; UPDATE_GOLDEN=1 regenerates it"
