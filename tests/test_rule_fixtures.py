"""Every rule has positive and negative fixtures under tests/rules/<ID>/, and they hold.

A positive fixture must make its rule fire; a first-lines comment `# expect: SEVERITY`
pins the worst severity it must get. A negative fixture must not make it fire above info
(an info finding is kept for the inventory only).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessor.engine.rules import load_rules
from assessor.findings import Severity
from tests.helpers import scan_file

RULE_FIXTURES = Path(__file__).parent / "rules"
RULES = load_rules()
EXPECT = re.compile(r"^#\s*expect:\s*(\w+)", re.MULTILINE)


def _cases(kind: str) -> list[tuple[str, Path]]:
    return [(rule.id, path) for rule in RULES for path in sorted((RULE_FIXTURES / rule.id / kind).glob("*.yaml"))]


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_every_rule_has_positive_and_negative_fixtures(rule_id: str) -> None:
    assert list((RULE_FIXTURES / rule_id / "positive").glob("*.yaml")), f"{rule_id} has no positive fixture"
    assert list((RULE_FIXTURES / rule_id / "negative").glob("*.yaml")), f"{rule_id} has no negative fixture"


@pytest.mark.parametrize(("rule_id", "path"), _cases("positive"), ids=lambda v: getattr(v, "name", v))
def test_positive_fixture_fires(rule_id: str, path: Path) -> None:
    result = scan_file(path)
    assert not result.source.problems.errors, result.source.problems.errors
    hits = [f for f in result.findings if f.rule_id == rule_id]
    assert hits, f"{rule_id} did not fire on {path.name}"
    expected = EXPECT.search(path.read_text())
    if expected:
        assert max(f.severity for f in hits) == Severity.parse(expected.group(1)), [f.message for f in hits]


@pytest.mark.parametrize(("rule_id", "path"), _cases("negative"), ids=lambda v: getattr(v, "name", v))
def test_negative_fixture_is_silent(rule_id: str, path: Path) -> None:
    result = scan_file(path)
    assert not result.source.problems.errors, result.source.problems.errors
    hits = [f.message for f in result.findings if f.rule_id == rule_id and f.severity > Severity.info]
    assert not hits, f"{rule_id} fired on {path.name}: {hits}"


def test_fixture_folders_name_real_rules() -> None:
    ids = {r.id for r in RULES}
    stray = [p.name for p in RULE_FIXTURES.iterdir() if p.is_dir() and p.name not in ids]
    assert not stray, f"fixture folders for rules that do not exist: {stray}"
