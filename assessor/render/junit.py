"""JUnit XML for CI systems: a test case per rule and object; a passing case per rule that found nothing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from assessor.render.common import location_label, object_label


def render(doc: dict[str, Any], fail_on: str = "high") -> str:
    order = ("info", "low", "medium", "high", "critical")
    threshold = order.index(fail_on) if fail_on in order else len(order)
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in doc["findings"]:
        by_rule[f["ruleId"]].append(f)
    cases, failures, skipped = [], 0, 0
    for rule_id in sorted(by_rule):
        for f in by_rule[rule_id]:
            name = quoteattr(f"{rule_id} {object_label(f)}" + (f" [{f['container']}]" if f.get("container") else ""))
            where = location_label(f)
            detail = escape(
                f"{f['message']}\n{f['evidence']['path']} = {f['evidence']['value']}\n"
                f"{where}\nWhat to do: {f['remediation']}\n{f['docs']}"
            )
            classname = quoteattr(f"assess.{f['category']}.{rule_id}")
            head = f"  <testcase classname={classname} name={name}"
            if f["suppressed"]:
                skipped += 1
                reason = (f.get("suppression") or {}).get("reason") or "suppressed"
                cases.append(f"{head}><skipped message={quoteattr(reason)}/></testcase>")
            elif order.index(f["severity"]) >= threshold:
                failures += 1
                cases.append(
                    f"{head}><failure type={quoteattr(f['severity'])} "
                    f"message={quoteattr(f['title'])}>{detail}</failure></testcase>"
                )
            else:
                cases.append(f"{head}><system-out>{detail}</system-out></testcase>")
    if not cases:
        cases.append('  <testcase classname="assess" name="no Docker Engine dependency found"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="assess"><testsuite name="assess" tests="{len(cases)}" failures="{failures}" '
        f'skipped="{skipped}" errors="0">\n' + "\n".join(cases) + "\n</testsuite></testsuites>\n"
    )
