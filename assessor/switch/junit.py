"""JUnit XML for CI: one test case per threshold, failing with the reason."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr


def junit_xml(summary: dict[str, Any]) -> str:
    verdict = summary["verdict"]
    cases = []
    failures = 0
    for name, broken in (
        ("schedule kept", verdict["result"] == "inconclusive"),
        ("thresholds", verdict["result"] == "fail"),
    ):
        reasons = "\n".join(verdict["reasons"])
        if broken:
            failures += 1
            cases.append(
                f'  <testcase classname="assess.switch" name={quoteattr(name)}>'
                f"<failure message={quoteattr(reasons[:200])}>{escape(reasons)}</failure></testcase>"
            )
        else:
            cases.append(f'  <testcase classname="assess.switch" name={quoteattr(name)}/>')
    for interval in summary["intervals"]:
        failures += 1
        name = quoteattr(f"{interval['start']} {interval['sampler']}")
        cases.append(
            f'  <testcase classname="assess.switch.intervals" name={name}>'
            f"<failure message={quoteattr(interval['headline'][:200])}>{escape(interval['headline'])}"
            "</failure></testcase>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuite name="assess switch" tests="{len(cases)}" failures="{failures}">\n'
        + "\n".join(cases)
        + "\n</testsuite>\n"
    )
