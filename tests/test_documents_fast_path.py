"""Well-formed files go through one parser (as yaml.load_all); the result must equal the per-document path's."""

from __future__ import annotations

import pytest

from assessor.model.problems import Problems
from assessor.sources import documents
from assessor.sources.documents import parse_documents

HELM = """---
# Source: chart/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata: {name: a}
---
# Source: chart/templates/ds.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          args: ["--docker=/var/run/docker.sock"]
      volumes:
        - name: sock
          hostPath: {path: /var/run/docker.sock}
"""
CASES = {
    "helm output": HELM,
    "no leading separator": "kind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\nmetadata: {name: b}\n",
    "empty documents and comments": "---\n---\n# only a comment\n---\nkind: Pod\nmetadata: {name: p}\n---\n",
    "document end markers": "kind: A\nmetadata: {name: a}\n...\n---\nkind: B\nmetadata: {name: b}\n",
    "flow document on the separator line": "--- {kind: A, metadata: {name: a}}\n--- {kind: B, metadata: {name: b}}\n",
    "list": "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n"
    "- kind: Pod\n  metadata: {name: b}\n",
    "block scalar": "kind: ConfigMap\nmetadata: {name: c}\ndata:\n  conf: |\n    one\n    two\n---\nkind: Pod\n",
    "comment after a document": "kind: A\n# Source: not/this.yaml\n---\nkind: B\n",
}
PATHS = [("metadata", "name"), ("spec", "template", "spec", "volumes", 0, "hostPath"), ("data", "conf"), ("items", 1)]


def _view(text: str) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for d in parse_documents(text, "x.yaml", Problems()):
        lines = tuple(d.locator.line_of(p) if d.locator else None for p in PATHS)
        out.append((d.data, d.line, d.index, d.helm_source, d.item_lines, lines))
    return out


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_fast_path_equals_per_document_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_path = documents._parse_whole(text, "x.yaml", Problems(), True)
    assert fast_path is not None, "the fast path must take well-formed files"
    fast = _view(text)
    monkeypatch.setattr(documents, "_parse_whole", lambda _text, _name, _problems, _locate: None)
    assert fast == _view(text)


def test_a_broken_document_falls_back_and_costs_only_itself() -> None:
    text = "kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: [b\n---\nkind: C\nmetadata: {name: c}\n"
    assert documents._parse_whole(text, "x.yaml", Problems(), True) is None
    problems = Problems()
    names = [d.data["metadata"]["name"] for d in parse_documents(text, "x.yaml", problems)]
    assert names == ["a", "c"]
    assert [p.line for p in problems.items] == [5]


def test_duplicate_keys_are_noted_with_the_same_line_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: b}\nspec:\n  volumes:\n"
        "  - name: s\n    hostPath: {path: /var/run/docker.sock}\n    hostPath: {path: /tmp}\n"
    )

    def notes() -> list[str]:
        problems = Problems()
        list(parse_documents(text, "x.yaml", problems))
        return [p.one_line() for p in problems.items]

    fast = notes()
    assert fast == [
        "note: x.yaml:10: duplicate key 'hostPath' in a mapping: YAML keeps the later value, "
        "the earlier one is not scanned"
    ]
    monkeypatch.setattr(documents, "_parse_whole", lambda _text, _name, _problems, _locate: None)
    assert notes() == fast
