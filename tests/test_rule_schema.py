"""Rule files are checked against the templates' declarations: every mistake is a RuleError naming file and rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessor.catalog import CATALOG, bundled_rules
from assessor.engine.rules import RuleError, load_rules
from assessor.engine.template import BASE_PLACEHOLDERS, Catalog, CheckPackage, Hit, Template
from tests.test_rule_fixtures import RULE_FIXTURES, _is_case, run_fixture

GOOD: dict[str, Any] = {
    "id": "TEST001",
    "slug": "test-socket",
    "category": "docker-socket",
    "severity": "high",
    "title": "A test rule",
    "rationale": "Because.",
    "remediation": "Fix it.",
    "docs": "https://example.invalid/",
    "message": "{value} is {mount}",
    "match": {"template": "host-path", "basenames": ["docker.sock"]},
    "adjust": [{"when": {"mounted": False}, "severity": "low", "reason": "not mounted"}],
}


def _with(**changes: Any) -> dict[str, Any]:
    rule = {**GOOD, **changes}
    return {k: v for k, v in rule.items() if v is not None}


def _match(**params: Any) -> dict[str, Any]:
    return {"template": "host-path", **params}


# (case, the rule entries of the file, text the error must contain)
REJECTIONS: list[tuple[str, list[dict[str, Any]], str]] = [
    ("misspelt top-level key", [_with(adjsut=GOOD["adjust"])], "unknown key(s) adjsut"),
    ("unknown match parameter", [_with(match=_match(basenames=["a"], prefix=["/x"]))], "unknown parameter(s) prefix"),
    ("wrong parameter type", [_with(match=_match(basenames="docker.sock"))], "basenames: expected a list of strings"),
    (
        "missing required parameter",
        [_with(match={"template": "command"}, message=None, adjust=None)],
        "missing required parameter(s) pattern",
    ),
    ("cross-parameter constraint", [_with(match=_match(exclude_prefixes=["/x"]))], "needs paths, prefixes"),
    ("placeholder not provided", [_with(message="{valeu} found")], "placeholder {valeu} is not provided"),
    ("malformed message", [_with(message="{value")], "message:"),
    ("unknown condition key", [_with(adjust=[{"when": {"mountd": False}, "severity": "low"}])], "unknown condition"),
    (
        "registered condition with a bad value",
        [_with(adjust=[{"when": {"podMentions": "("}, "severity": "low"}])],
        "condition podMentions: not a valid regex",
    ),
    (
        "condition key nested in any",
        [_with(adjust=[{"when": {"any": [{"nope": 1}]}, "severity": "low"}])],
        "unknown condition 'nope'",
    ),
    ("unknown adjust key", [_with(adjust=[{"when": {"mounted": False}, "severity": "low", "why": "x"}])], "why"),
    (
        "unknown category in adjust",
        [_with(adjust=[{"when": {"mounted": False}, "severity": "info", "category": "dind"}])],
        "adjust: unknown category 'dind'",
    ),
    (
        "bad destination condition",
        [_with(adjust=[{"when": {"destination": "docker"}, "severity": "drop"}])],
        "condition destination: 'docker' is not a destination",
    ),
    ("invalid regex", [_with(match={"template": "image", "pattern": "(unclosed"}, message=None, adjust=None)], "regex"),
    ("duplicate id", [GOOD, GOOD], "already defined"),
    ("unknown template", [_with(match={"template": "host-pth", "paths": ["/x"]})], "unknown match template"),
    ("unknown category", [_with(category="docker-sockets")], "unknown category 'docker-sockets'"),
    ("unknown severity", [_with(severity="severe")], "unknown severity"),
    ("missing required key", [_with(docs=None)], "missing docs"),
]


@pytest.mark.parametrize(("case", "entries", "expected"), REJECTIONS, ids=[c[0] for c in REJECTIONS])
def test_bad_rule_file_is_rejected_naming_file_and_rule(
    tmp_path: Path, case: str, entries: list[dict[str, Any]], expected: str
) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump({"rules": entries}))
    with pytest.raises(RuleError) as err:
        load_rules(CATALOG, tmp_path)
    text = str(err.value)
    assert text.startswith(f"{file}: TEST001: "), text
    assert expected in text, text
    assert "\n" not in text


def test_the_good_rule_loads_with_compiled_parameters(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(yaml.safe_dump({"rules": [GOOD]}))
    [rule] = load_rules(CATALOG, tmp_path)
    assert rule.impl is CATALOG.templates["host-path"]
    assert rule.compiled.matches("/var/run/docker.sock")


def test_data_tables_are_skipped_and_anything_else_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(yaml.safe_dump({"rules": [GOOD]}))
    (tmp_path / "table.yaml").write_text(yaml.safe_dump({"source": "somewhere", "rows": [{"a": 1}]}))
    assert [r.id for r in load_rules(CATALOG, tmp_path)] == ["TEST001"]
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump({"rule": [GOOD]}))
    with pytest.raises(RuleError, match=r"typo\.yaml: expected a mapping with a 'rules' list"):
        load_rules(CATALOG, tmp_path)


def test_every_bundled_rule_loads_against_the_catalog() -> None:
    rules = bundled_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert all(r.impl is CATALOG.templates[r.template] for r in rules)


def _honest(template: Template) -> Any:
    original = template.hits

    def hits(ctx: Any, compiled: Any) -> Iterator[Hit]:
        for hit in original(ctx, compiled):
            undeclared = set(hit.facts) - set(template.facts) - set(BASE_PLACEHOLDERS)
            assert not undeclared, f"{template.name} yields undeclared facts {undeclared}"
            yield hit

    return hits


def test_templates_yield_only_the_facts_they_declare(monkeypatch: pytest.MonkeyPatch) -> None:
    for template in CATALOG.templates.values():
        monkeypatch.setattr(template, "hits", _honest(template))
    cases = [p for p in sorted(RULE_FIXTURES.glob("*/positive/*")) if _is_case(p)]
    assert cases
    for path in cases:
        run_fixture(path)


def test_a_template_or_condition_registered_twice_is_refused() -> None:
    docker = next(p for p in CATALOG.packages if p.name == "docker")
    with pytest.raises(ValueError, match="template host-path is registered twice"):
        Catalog.of(docker, CheckPackage("again", (docker.templates[0],)))
    with pytest.raises(ValueError, match="condition podMentions is registered twice"):
        Catalog.of(docker, CheckPackage("again", (), docker.conditions[:1]))


def test_an_adjust_reports_the_hit_under_its_category(tmp_path: Path) -> None:
    from assessor.scan import scan
    from assessor.sources.files import scan_paths

    dind = [_with(adjust=[{"when": {"mounted": False}, "severity": "info", "category": "docker-in-docker"}])]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(yaml.safe_dump({"rules": dind}))
    rules = load_rules(CATALOG, tmp_path / "rules")
    [finding] = scan(
        scan_paths([str(RULE_FIXTURES / "DOCK001" / "positive" / "unmounted-untyped.yaml")]), rules
    ).findings
    assert (finding.category, finding.severity.name) == ("docker-in-docker", "info")
