"""Hostile and broken input: one line naming file and line, the rest still scanned, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assessor.sources.documents import MAX_EXPANDED_NODES
from tests.helpers import problems_of

GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n"
ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n"
)


@pytest.mark.parametrize(
    ("text", "expected_message", "good_objects"),
    [
        (GOOD + "---\nkind: [unclosed\n---\n" + GOOD, "bad.yaml:5: invalid YAML", 2),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "bad.yaml: binary file", 0),
        (b"\xff\xfeh\x00i\x00", "document is a string", 0),  # UTF-16 (BOM): read, "hi"
        (b"caf\xe9: 1\n", "bad.yaml: not UTF-8", 0),
        ("", "note: bad.yaml: empty file", 0),
        ("   \n# only a comment\n", "note: bad.yaml: no YAML documents", 0),
        (ALIAS_BOMB + "---\n" + GOOD, "alias bomb", 1),
        ("a: &a [*a]\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\n", "alias bomb", 0),
        ("- just\n- a list\n---\n" + GOOD, "note: bad.yaml:1: document is a list", 1),
        ("just a string\n", "document is a string", 0),
        (
            "apiVersion: v1\nkind: 42\nmetadata: {name: x}\n",
            "apiVersion and kind must both be non-empty strings",
            0,
        ),
        ("apiVersion: v1\nkind: List\nitems: 7\n", "List.items must be a list", 0),
        ("apiVersion: v1\nkind: List\nitems:\n- 1\n- " + GOOD.replace("\n", "\n  "), "List.items[0]", 1),
        ('{"apiVersion": "v1",\n "kind": }', "bad.yaml:2: invalid JSON", 0),
    ],
)
def test_bad_input_gives_one_line(text: str | bytes, expected_message: str, good_objects: int) -> None:
    lines, count = problems_of(text)
    assert any(expected_message in line for line in lines), lines
    assert all("\n" not in line for line in lines)
    assert count == good_objects


def test_alias_bomb_limit_is_far_above_real_objects() -> None:
    assert MAX_EXPANDED_NODES >= 1_000_000


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
            "      containers: not-a-list\n",
            "spec.template.spec.containers must be a list, got str",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: 5\n",
            "spec must be a mapping, got int",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env: {a: b}\n",
            "spec.containers[0].env must be a list, got dict",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n  volumes: [7]\n",
            "spec.volumes[0] must be a mapping, got int",
        ),
        (  # issue 12: a string where the volume source object belongs hid a docker.sock mount
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n"
            "  volumes: [{name: s, hostPath: /var/run/docker.sock}]\n",
            "spec.volumes[0].hostPath must be a mapping, got str",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n  volumes: {s: 1}\n",
            "spec.volumes must be a list, got dict",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, env: [DOCKER_HOST]}]\n",
            "spec.containers[0].env[0] must be a mapping, got str",
        ),
    ],
)
def test_wrong_field_types_name_the_field_and_line(manifest: str, message: str, tmp_path: Path) -> None:
    from assessor.scan import scan
    from assessor.sources.files import scan_paths

    file = tmp_path / "wrong.yaml"
    file.write_text(manifest + "---\n" + GOOD)
    result = scan(scan_paths([str(file)]))
    [error] = result.source.problems.errors
    assert message in error.message and error.line is not None
    assert result.inventory.kinds["ConfigMap"] == 1


def test_unknown_kinds_get_one_note_per_kind() -> None:
    from tests.helpers import scan_text

    text = "\n---\n".join(
        f"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w{i}}}\nspec: {{size: {i}}}" for i in range(3)
    )
    result = scan_text(text)
    notes = [p.message for p in result.source.problems.notes]
    assert notes == ["unknown kind Widget (example.com/v1): 3 objects not scanned"]


def test_custom_resource_with_a_pod_template_is_scanned() -> None:
    from tests.helpers import scan_text

    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n"
        "      containers: [{name: c, image: i, volumeMounts: [{name: s, mountPath: /s}]}]\n"
        "      volumes: [{name: s, hostPath: {path: /var/run/docker.sock}}]\n"
    )
    assert [f.rule_id for f in scan_text(text).findings] == ["DOCK001"]


def test_huge_file_is_skipped_without_reading_it_and_the_rest_is_scanned(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    (tmp_path / "good.yaml").write_text(GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", "manifests", str(tmp_path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "big.yaml: file is 50.0 MiB, over the 32 MiB limit" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3  # complete scan of good.yaml, but the input was not all read


def test_every_kind_of_bad_input_in_one_run_never_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01\x02")
    (tmp_path / "empty.yml").write_text("")
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    (tmp_path / "scalar.yaml").write_text("42\n")
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", "manifests", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2  # nothing usable at all
    for name in (
        "broken.yaml:2",
        "bin.yaml",
        "empty.yml",
        "bomb.yaml:1",
        "scalar.yaml:1: document is a number",
    ):
        assert name in proc.stderr, proc.stderr


def test_a_duplicate_key_hiding_a_socket_mount_is_noted_once(tmp_path: Path) -> None:
    file = tmp_path / "dupe.yaml"
    file.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers: [{name: c, image: i, volumeMounts: [{name: s, mountPath: /s}]}]\n"
        "  volumes:\n  - name: s\n    hostPath: {path: /var/run/docker.sock}\n    hostPath: {path: /tmp}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", "manifests", str(file), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr  # a note, not an error: the later value is what Kubernetes applies
    assert proc.stderr.count("duplicate key") == 1
    assert f"note: {file}:9: duplicate key 'hostPath' in a mapping" in proc.stderr
