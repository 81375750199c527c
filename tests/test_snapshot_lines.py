"""Finding lines in a snapshot cost nothing until a finding asks, and nothing at all past the manifest size."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessor.scan import scan
from assessor.sources import files

SNAPSHOT = """apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: clean, namespace: a}
  data: {x: y}
- apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: agent, namespace: a}
  spec:
    selector: {matchLabels: {app: agent}}
    template:
      metadata: {labels: {app: agent}}
      spec:
        containers:
        - name: agent
          image: busybox
          env:
          - {name: DOCKER_HOST, value: 'unix:///var/run/docker.sock'}
"""


def test_no_tree_is_composed_while_loading(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.yaml"
    path.write_text(SNAPSHOT, encoding="utf-8")
    source = files.load_snapshot(str(path))
    locators = [obj.origin.locator for obj in source.objects]
    assert all(loc is not None and "_root" not in loc.__dict__ for loc in locators)
    [finding] = [f for f in scan(source).findings if f.rule_id == "DOCK006"]
    assert finding.location["line"] == 20  # the env value's own line, found when asked


def test_a_snapshot_bigger_than_a_manifest_names_no_line_only_where_each_object_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "snapshot.yaml"
    path.write_text(SNAPSHOT, encoding="utf-8")
    monkeypatch.setattr(files, "DEFAULT_MAX_BYTES", len(SNAPSHOT) - 1)
    source = files.load_snapshot(str(path))
    assert [obj.origin.locator for obj in source.objects] == [None, None]
    [finding] = [f for f in scan(source).findings if f.rule_id == "DOCK006"]
    # a line names where the evidence is; without the line map only the object's start is known
    assert finding.location["line"] is None
    assert finding.location["objectLine"] == 8  # where the DaemonSet starts
