"""Every rule regex runs in linear time on adversarial input, and the loader refuses shapes that do not.

Growth, not wall-clock: each pattern searches an adversarial string of n and of 8n characters
in the same run, timed in CPU time of the thread; linear work grows about 8x, quadratic 64x,
cubic 512x. The bound (20x) sits well between, and a timing over the bound is measured again
before it fails, so a busy machine does not flake the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessor.catalog import CATALOG
from assessor.engine.patterns import UnsafePattern, require_linear, unsafe_reason
from assessor.engine.rules import RuleError, load_rules
from assessor.sources import documents
from bench.regex_adversarial import Case, families, growth, rule_cases

N = 128  # 8n = 1024 characters: quadratic work there is milliseconds, so its ratio shows
FACTOR = 8
MAX_RATIO = 20.0
NOISE_FLOOR = 50e-6  # a search under 50 µs of CPU at 8n is too fast for its ratio to mean anything

CASES = rule_cases()


def _too_steep(compiled: re.Pattern[str], case: Case) -> list[str]:
    steep = []
    for name, make in families(case.pattern):
        for _attempt in range(3):  # re-measure: a spike on a shared machine is not a failure
            seconds, ratio = growth(compiled, make, N, FACTOR)
            if seconds < NOISE_FLOOR or ratio < MAX_RATIO:
                break
        else:
            steep.append(f"{name}: {ratio:.0f}x for {FACTOR}x the input ({seconds * 1e3:.1f} ms)")
            break  # one steep input is enough, and a steep pattern is slow on the rest too
    return steep


def test_every_rule_regex_is_collected() -> None:
    where = {c.where.split(".")[0].split("[")[0] for c in CASES}
    assert len(CASES) >= 60
    assert {"pattern", "unless_pattern", "requires_pattern", "adjust"} <= where


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.where}" for c in CASES])
def test_rule_regex_grows_linearly(case: Case) -> None:
    compiled = re.compile(case.pattern, re.M)
    assert _too_steep(compiled, case) == []


# The shapes of issue 12: each super-linear, each measured steep and refused by the validator.
STEEP = [
    r"^\s*-?\s*type:\s*docker\s*$",  # the blank-lines ConfigMap (cubic)
    r"^\s*docker_sd_configs\s*:",  # \s crosses newlines under MULTILINE (quadratic)
    r"(?i)twistlock.*defender",  # every occurrence rescans the line
    r"multiline\.parser\s+[^\n]*\bcri\b",  # two repeats share the spaces
]


@pytest.mark.parametrize("pattern", STEEP)
def test_the_known_bad_shapes_are_measured_steep_and_refused(pattern: str) -> None:
    assert _too_steep(re.compile(pattern, re.M), Case("X", "pattern", pattern)) != []
    with pytest.raises(UnsafePattern):
        require_linear(pattern)


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        (r"^[ \t]*(?:-[ \t]*)?type:[ \t]*docker[ \t\r]*$", True),
        (r"\bsystemctl\s+(?:--\S+\s+)*(?:restart|stop)\s+docker\b", True),  # delimited iterations
        (r"(?i)^(?!DOCKER_HOST$).*DOCKER", True),  # . stops at the line end
        (r"(?i)twistlock.{0,64}defender", True),  # bounded
        (r"x\s*-?\s*y", False),  # ambiguous split after a literal
        (r"x(\s*y?)*z", False),  # nested
        (r"\s*foo", False),  # unanchored leading repeat rescans from every position
        (r"(?:ab|a)*c", False),
        (r"(a+)+b", False),  # nested: exponential, so only the validator can catch it in time
    ],
)
def test_validator_verdicts(pattern: str, safe: bool) -> None:
    assert (unsafe_reason(pattern) is None) == safe


def test_loader_refuses_a_super_linear_rule(tmp_path: Path) -> None:
    source = next((Path(__file__).parent.parent / "rules" / "docker").glob("configs.yaml")).read_text(encoding="utf-8")
    bad = source.replace(r"'^[ \t]*docker_sd_configs[ \t]*:'", r"'^\s*docker_sd_configs\s*:'", 1)
    assert bad != source
    (tmp_path / "configs.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(RuleError, match=r"configs.yaml: CFG001: .*parameter pattern: .* is not linear-time: .*rescan"):
        load_rules(CATALOG, tmp_path)


def test_loader_refuses_a_super_linear_adjust_condition(tmp_path: Path) -> None:
    source = (Path(__file__).parent.parent / "rules" / "docker" / "cli.yaml").read_text(encoding="utf-8")
    bad = source.replace(r"'(^|/)docker:[^@\s/]*dind'", r"'(^|/)docker:[^@\s]*dind'", 1)
    assert bad != source
    (tmp_path / "cli.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(RuleError, match=r"cli.yaml: .*podImages.* is not linear-time"):
        load_rules(CATALOG, tmp_path)


@pytest.mark.parametrize("pattern", [documents._HELM_SOURCE_LINE, documents._HELM_SOURCE], ids=["line", "stripped"])
def test_helm_source_comment_pattern_is_linear(pattern: re.Pattern[str]) -> None:
    # `# Source: a` followed by a long run of spaces was quadratic with `(\S.*?)\s*$`.
    def spaces(n: int) -> str:
        return "# Source: a" + " " * n + "b"

    for _attempt in range(3):
        seconds, ratio = growth(pattern, spaces, N * 8, FACTOR)  # larger n: a linear search here is very fast
        if seconds < NOISE_FLOOR or ratio < MAX_RATIO:
            break
    else:
        pytest.fail(f"{ratio:.0f}x for {FACTOR}x the input")
    match = pattern.search("# Source: chart/templates/a.yaml  ")
    assert match is not None and match.group(1).rstrip() == "chart/templates/a.yaml"
