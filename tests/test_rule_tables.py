"""The data tables under rules/ (categories, RKE2 manual steps, out-of-band checks) load and are checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assessor.catalog import bundled_rules
from assessor.checklist.out_of_band import load_out_of_band, read_out_of_band
from assessor.engine.categories import load_categories, read_categories
from assessor.engine.tables import TableError
from assessor.migration.manual_steps import load_manual_steps, read_manual_steps
from assessor.migration.rke2config import plan_rke2
from assessor.model.origin import Origin
from assessor.model.rke import RkeConfig
from assessor.paths import rules_dir


def test_categories_cover_every_rule_and_each_is_described() -> None:
    categories = load_categories()
    assert {r.category for r in bundled_rules()} <= set(categories)
    assert all(c.meaning for c in categories.values())
    assert categories["docker-socket"].docker_dependency
    assert not categories["upgrade-path"].docker_dependency


def test_every_manual_step_is_reported_when_its_field_is_set() -> None:
    steps = load_manual_steps()
    assert steps
    for step in steps:
        raw: dict[str, Any] = {}
        node = raw
        *parents, last = step.field.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = "set"
        plan = plan_rke2(RkeConfig(path="cluster.yml", raw=raw, origin=Origin()))
        assert step in plan.manual, step.field


def test_out_of_band_checks_have_unique_ids() -> None:
    checks = load_out_of_band()
    assert checks
    assert len({c.id for c in checks}) == len(checks)


def test_every_yaml_under_rules_is_a_rule_file_or_a_table_with_a_source() -> None:
    for file in rules_dir().rglob("*.yaml"):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert isinstance(data, dict), file
        assert "rules" in data or isinstance(data.get("source"), str), file


GOOD_STEP = {"field": "a.b", "why": "because", "todo": "do it"}
BAD_TABLES: list[tuple[str, Any, str]] = [
    ("no source", {"steps": [GOOD_STEP]}, "exactly the keys source and steps"),
    ("empty source", {"source": " ", "steps": [GOOD_STEP]}, "source must say"),
    ("extra top-level key", {"source": "s", "steps": [GOOD_STEP], "stpes": []}, "exactly the keys"),
    ("empty list", {"source": "s", "steps": []}, "non-empty list"),
    ("unknown entry key", {"source": "s", "steps": [{**GOOD_STEP, "note": "x"}]}, "steps[0]: needs exactly"),
    ("wrong type", {"source": "s", "steps": [{**GOOD_STEP, "why": 3}]}, "steps[0]: why must be a non-empty str"),
    ("not a dotted path", {"source": "s", "steps": [{**GOOD_STEP, "field": "a b"}]}, "dotted cluster.yml path"),
]


@pytest.mark.parametrize(("case", "data", "expected"), BAD_TABLES, ids=[c[0] for c in BAD_TABLES])
def test_bad_manual_steps_table_names_file_and_entry(tmp_path: Path, case: str, data: Any, expected: str) -> None:
    file = tmp_path / "manual-steps.yaml"
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(TableError) as err:
        read_manual_steps(file)
    assert str(err.value).startswith(str(file)) and expected in str(err.value)


def test_bad_categories_and_checks_are_rejected(tmp_path: Path) -> None:
    file = tmp_path / "t.yaml"
    entry = {"name": "x", "meaning": "m", "dockerDependency": True}
    file.write_text(yaml.safe_dump({"source": "s", "categories": [entry, entry]}))
    with pytest.raises(TableError, match=r"categories\[1\]: x is listed twice"):
        read_categories(file)
    file.write_text(yaml.safe_dump({"source": "s", "categories": [{**entry, "dockerDependency": "yes"}]}))
    with pytest.raises(TableError, match="dockerDependency must be a bool"):
        read_categories(file)
    file.write_text(yaml.safe_dump({"source": "s", "checks": [{"id": "Bad Id", "text": "t", "nodeRules": []}]}))
    with pytest.raises(TableError, match=r"checks\[0\]: id must be unique"):
        read_out_of_band(file)


def test_out_of_band_node_rules_are_node_report_rules() -> None:
    """An out-of-band check answered by node files names rules over node reports that exist."""
    from assessor.catalog import bundled_rules

    node_rules = {r.id for r in bundled_rules() if r.impl is not None and r.impl.scope.startswith("node-")}
    named = {rule for check in load_out_of_band() for rule in check.node_rules}
    assert named and named <= node_rules, named - node_rules
