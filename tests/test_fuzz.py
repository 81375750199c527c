"""Fuzz every fixture: hostile types, numbers, nesting and encodings, through every command that reads them.

Bounded by count, not by clock: CASES cases in all, each seeded, so a failure names its case and
replays exactly (`pytest tests/test_fuzz.py -k "chunk3"`); FUZZ_SEED=N explores other cases. Most
run in process (CliRunner, which still catches a traceback as result.exception); a handful run as
real subprocesses with a timeout.
A case passes when the command ends with an exit code of the README's table (0, 1, 2 or 3), within
its time, and without a traceback.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assessor.cli import app
from tests.conftest import FIXTURES, ROOT

runner = CliRunner()
CASES = 300
SEED = int(os.environ.get("FUZZ_SEED", "20270115"))
CHUNKS = 10
SUBPROCESS_CASES = 5
EXIT_CODES = {0, 1, 2, 3}
SEED_RKE = FIXTURES / "rke" / "seed-cluster.yml"

SNAPSHOTS = sorted((FIXTURES / "clusters").glob("*.yaml"))
CLUSTER_YMLS = sorted((FIXTURES / "rke").glob("*.yml"))
RULE_FILES = sorted(p for p in (ROOT / "tests" / "rules").rglob("*") if p.suffix in (".yaml", ".yml"))


def _deep(depth: int) -> Any:
    node: Any = "leaf"
    for i in range(depth):
        node = [node] if i % 2 else {"k": node}
    return node


# Values that broke, or could break, arithmetic and iteration somewhere.
HOSTILE: list[Callable[[], Any]] = [
    lambda: 10**400,
    lambda: -(10**400),
    lambda: 2**63,
    lambda: math.inf,
    lambda: -math.inf,
    lambda: math.nan,
    lambda: -1,
    lambda: 0,
    lambda: 1e308,
    lambda: True,
    lambda: None,
    lambda: 5,
    lambda: "5",
    lambda: "abc%",
    lambda: "150%",
    lambda: "",
    lambda: "x" * 5000,
    lambda: "\x1b]0;title\x07\x1b[2J",
    lambda: "../../../../tmp/x",
    lambda: "w1$(id)",
    lambda: {},
    lambda: [],
    lambda: [5],
    lambda: {"a": 5},
    lambda: _deep(60),
]


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) in the tree: the places a mutation can go."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _slots(value, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((node, i))
            _slots(value, out)
    return out


def _mutate_tree(docs: list[Any], rng: random.Random) -> list[Any]:
    slots = _slots(docs, [])
    for _ in range(rng.randint(1, 4)):
        if not slots:
            break
        parent, key = rng.choice(slots)
        value = parent[key]
        choice = rng.random()
        if choice < 0.6:
            parent[key] = rng.choice(HOSTILE)()
        elif choice < 0.75 and isinstance(value, dict):
            parent[key] = list(value.values())  # a list where a map was
        elif choice < 0.85 and isinstance(value, list | dict):
            parent[key] = str(value)[:200]  # a string where a structure was
        elif choice < 0.95 and isinstance(value, int | float) and not isinstance(value, bool):
            parent[key] = rng.choice([-value, value * 10**300, str(value), [value]])
        else:
            parent[key] = {"nested": value}
    return docs


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(7)
    at = rng.randrange(len(data) + 1)
    if choice == 0:
        return data.decode("utf-8", errors="replace").encode("utf-16")
    if choice == 1:
        return data[:at] + b"\x00" + data[at:]
    if choice == 2:
        return data[:at] + b"\xff\xfe\xc3" + data[at:]
    if choice == 3:
        return data[:at]  # cut short
    if choice == 4:
        return b"\xef\xbb\xbf" + data
    if choice == 5:
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])  # a duplicated line: duplicate keys
    return data.replace(b":", b"", 1)


def mutate(path: Path, rng: random.Random) -> bytes:
    data = path.read_bytes()
    if rng.random() < 0.25:
        return _mutate_bytes(data, rng)
    try:
        docs = list(yaml.safe_load_all(data))
    except yaml.YAMLError:
        return _mutate_bytes(data, rng)
    return yaml.safe_dump_all(_mutate_tree(docs, rng), sort_keys=False).encode()


@dataclass(frozen=True)
class Case:
    number: int
    source: Path
    command: str


def _commands(source: Path) -> list[str]:
    if source in SNAPSHOTS:
        return ["cluster", "plan-snapshot", "report-snapshot", "manifests"]
    if source in CLUSTER_YMLS or source.name.endswith("cluster.yml"):
        return ["rke", "plan", "report-rke"]
    return ["manifests"]


def _cases() -> list[Case]:
    rng = random.Random(SEED)
    sources = SNAPSHOTS + CLUSTER_YMLS + RULE_FILES
    weights = [40.0 / len(SNAPSHOTS)] * len(SNAPSHOTS) + [30.0 / len(CLUSTER_YMLS)] * len(CLUSTER_YMLS)
    weights += [30.0 / len(RULE_FILES)] * len(RULE_FILES)
    out = []
    for n in range(CASES):
        source = rng.choices(sources, weights)[0]
        out.append(Case(n, source, rng.choice(_commands(source))))
    return out


def _args(case: Case, target: Path, tmp: Path) -> list[str]:
    out = str(tmp / f"plan-{case.number}")
    return {
        "cluster": ["cluster", "--snapshot", str(target)],
        "plan-snapshot": ["plan", str(SEED_RKE), "--snapshot", str(target), "--out", out],
        "report-snapshot": ["report", "--rke", str(SEED_RKE), "--snapshot", str(target)],
        "manifests": ["manifests", str(target)],
        "rke": ["rke", str(target)],
        "plan": ["plan", str(target), "--out", out],
        "report-rke": ["report", "--rke", str(target)],
    }[case.command]


def _write(case: Case, tmp: Path) -> Path:
    target = tmp / f"case-{case.number}{case.source.suffix}"
    target.write_bytes(mutate(case.source, random.Random(SEED + case.number)))
    return target


ALL = _cases()


@pytest.mark.parametrize("chunk", range(CHUNKS), ids=[f"chunk{i}" for i in range(CHUNKS)])
def test_fuzzed_fixtures_never_crash(chunk: int, tmp_path: Path) -> None:
    failures = []
    for case in ALL[chunk::CHUNKS]:
        target = _write(case, tmp_path)
        result = runner.invoke(app, [*_args(case, target, tmp_path), "-o", "json"])
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if crashed or result.exit_code not in EXIT_CODES or "Traceback" in result.output:
            failures.append(f"case {case.number} ({case.command} of mutated {case.source.name}): {result.exception!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("number", range(SUBPROCESS_CASES))
def test_fuzzed_fixtures_in_a_real_process(number: int, tmp_path: Path) -> None:
    """The same, as a user runs it: no hang (timeout), an exit code from the table, no traceback."""
    case = ALL[number * (CASES // SUBPROCESS_CASES)]
    target = _write(case, tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "assessor", *_args(case, target, tmp_path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode in EXIT_CODES, (case, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, (case, proc.stderr[-2000:])


def test_the_mutations_are_hostile() -> None:
    """The fuzz is only worth something if the cases really are broken in the ways that matter."""
    rng = random.Random(1)
    texts = [mutate(SNAPSHOTS[0], rng) for _ in range(60)]
    assert sum(b".inf" in t or b".nan" in t or b"0" * 300 in t for t in texts) >= 5
    assert any(b"\x00" in t or t.startswith(b"\xff\xfe") for t in texts)
    assert len({c.command for c in ALL}) == 7 and len(ALL) == CASES
