"""Manifest parsing: multi-document files, Lists, helm output, JSON, line numbers, stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assessor.model.problems import Problems
from assessor.sources.files import objects_from_bytes, scan_paths

SOCKET_DS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: example/agent:1
          volumeMounts:
            - name: sock
              mountPath: /var/run/docker.sock
      volumes:
        - name: sock
          hostPath:
            path: /var/run/docker.sock
"""


def _objects(text: str, name: str = "m.yaml") -> tuple[list[tuple[str, str, int | None, str | None]], Problems]:
    problems = Problems()
    objs = list(objects_from_bytes(text.encode(), name, problems))
    return [(o.kind, o.name, o.origin.line, o.origin.file) for o in objs], problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one document, no separator
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", [("ConfigMap", "a", 1)]),
        # leading separator, comments and blank lines before the object
        (
            "---\n# a comment\n\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            [("ConfigMap", "a", 4)],
        ),
        # several documents, an empty one in between, a document end marker
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n...\n",
            [("ConfigMap", "a", 1), ("ConfigMap", "b", 6)],
        ),
        # kind: List with items, as `kubectl get -o yaml` prints it
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
            "- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n",
            [("ConfigMap", "a", 4), ("Secret", "s", 7)],
        ),
        # CRLF line endings
        ("apiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: a}\r\n", [("ConfigMap", "a", 1)]),
        # a separator line with a trailing comment
        ("--- # first\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", [("ConfigMap", "a", 2)]),
    ],
)
def test_documents_and_lines(text: str, expected: list[tuple[str, str, int]]) -> None:
    objs, problems = _objects(text)
    assert [(k, n, line) for k, n, line, _ in objs] == expected
    assert not problems.errors


def test_helm_template_output_names_the_rendered_file_and_the_template_apart() -> None:
    text = (
        "---\n# Source: agent/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        "---\n# Source: agent/templates/daemonset.yaml\n" + SOCKET_DS
    )
    problems = Problems()
    objs = list(objects_from_bytes(text.encode(), "rendered.yaml", problems))
    assert [(o.kind, o.origin.file, o.origin.template) for o in objs] == [
        ("ConfigMap", "rendered.yaml", "agent/templates/configmap.yaml"),
        ("DaemonSet", "rendered.yaml", "agent/templates/daemonset.yaml"),
    ]


def test_finding_points_at_the_line_of_the_evidence(tmp_path: Path) -> None:
    file = tmp_path / "ds.yaml"
    file.write_text("# leading comment\n---\n" + SOCKET_DS)
    from assessor.scan import scan

    result = scan(scan_paths([str(file)]))
    [finding] = [f for f in result.findings if f.rule_id == "DOCK001"]
    lines = file.read_text().splitlines()
    line = finding.location["line"]
    assert "path: /var/run/docker.sock" in lines[line - 1]
    assert finding.evidence_path == "spec.template.spec.volumes[0].hostPath.path"


def test_json_list_and_line_lookup(tmp_path: Path) -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {
                    "containers": [{"name": "c", "image": "i", "volumeMounts": [{"name": "v", "mountPath": "/s"}]}],
                    "volumes": [{"name": "v", "hostPath": {"path": "/var/run/docker.sock"}}],
                },
            },
        ],
    }
    file = tmp_path / "dump.json"
    file.write_text(json.dumps(doc, indent=2))
    from assessor.scan import scan

    result = scan(scan_paths([str(file)]))
    [finding] = [f for f in result.findings if f.rule_id == "DOCK001"]
    assert '"path": "/var/run/docker.sock"' in file.read_text().splitlines()[finding.location["line"] - 1]


def test_directory_walk_is_recursive_and_ignores_other_files(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b" / "ds.yml").write_text(SOCKET_DS)
    (tmp_path / "a" / "cm.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}')
    (tmp_path / "README.md").write_text("hostPath: /var/run/docker.sock\n")
    (tmp_path / ".git" / "x.yaml").write_text(SOCKET_DS)
    result = scan_paths([str(tmp_path)])
    assert sorted(o.kind for o in result.objects) == ["ConfigMap", "DaemonSet"]
    assert result.files_read == 2


def test_non_kubernetes_yaml_is_skipped_with_a_note() -> None:
    for text, words in [
        (
            "version: '3'\nservices:\n  a:\n    image: x\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n",
            "Docker Compose",
        ),
        ("replicaCount: 2\ndocker:\n  socket: /var/run/docker.sock\n", "Helm values"),
        ("stages: [build]\nbuild:\n  script: docker build .\n", "CI configuration"),
    ]:
        objs, problems = _objects(text)
        assert objs == []
        assert not problems.errors
        assert words in problems.notes[0].message


def test_configmap_finding_points_at_the_line_inside_the_value(tmp_path: Path) -> None:
    file = tmp_path / "cm.yaml"
    file.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gc}\ndata:\n  gc.sh: |\n    #!/bin/sh\n    set -eu\n"
        "    docker system prune -af\n"
    )
    from assessor.scan import scan

    [finding] = [f for f in scan(scan_paths([str(file)])).findings if f.rule_id == "CFG007"]
    assert finding.evidence_value == "docker system prune -af"
    assert finding.location["line"] == 8
