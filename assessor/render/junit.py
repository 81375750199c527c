"""The one JUnit XML writer: scan findings and switch tests become test cases in one suite.

A finding at --fail-on or worse is a failure, a suppressed one is skipped, any other passes
with its detail in system-out; a rule set that found nothing is one passing case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from assessor.model.findings import object_label
from assessor.render.common import location_label
from assessor.render.options import RenderOptions
from assessor.render.sanitize.xml import xml_text as x

SEVERITY_ORDER = ("info", "low", "medium", "high", "critical")
MESSAGE_LIMIT = 200  # CI widgets show the message on one line


@dataclass(frozen=True, slots=True)
class Case:
    classname: str
    name: str
    outcome: Literal["passed", "failure", "skipped"] = "passed"
    message: str = ""
    type: str | None = None
    text: str = ""


def junit_xml(suite: str, cases: list[Case], properties: dict[str, str] | None = None) -> str:
    # Every value passes xml_text: a control character in an object name would make the file unparsable.
    root = ET.Element("testsuites", name=x(suite))
    counts = {o: sum(c.outcome == o for c in cases) for o in ("failure", "skipped")}
    element = ET.SubElement(
        root,
        "testsuite",
        name=x(suite),
        tests=str(len(cases)),
        failures=str(counts["failure"]),
        skipped=str(counts["skipped"]),
        errors="0",
    )
    if properties:
        props = ET.SubElement(element, "properties")
        for name, value in properties.items():
            ET.SubElement(props, "property", name=x(name), value=x(value))
    for case in cases:
        node = ET.SubElement(element, "testcase", classname=x(case.classname), name=x(case.name))
        if case.outcome == "passed":
            if case.text:
                ET.SubElement(node, "system-out").text = x(case.text)
            continue
        attrs = {"message": x(case.message[:MESSAGE_LIMIT])}
        if case.type is not None:
            attrs["type"] = x(case.type)
        ET.SubElement(node, case.outcome, attrs).text = x(case.text) or None
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _finding_case(f: dict[str, Any], threshold: int) -> Case:
    rule_id = f["ruleId"]
    name = f"{rule_id} {object_label(f)}" + (f" [{f['container']}]" if f.get("container") else "")
    detail = (
        f"{f['message']}\n{f['evidence']['path']} = {f['evidence']['value']}\n"
        f"{location_label(f)}\nWhat to do: {f['remediation']}\n{f['docs']}"
    )
    classname = f"assess.{f['category']}.{rule_id}"
    if f["suppressed"]:
        reason = (f.get("suppression") or {}).get("reason") or "suppressed"
        return Case(classname, name, "skipped", message=reason)
    if SEVERITY_ORDER.index(f["severity"]) >= threshold:
        return Case(classname, name, "failure", message=f["title"], type=f["severity"], text=detail)
    return Case(classname, name, text=detail)


def render_scan(doc: dict[str, Any], options: RenderOptions) -> str:
    fail_on = options.fail_on
    threshold = SEVERITY_ORDER.index(fail_on) if fail_on in SEVERITY_ORDER else len(SEVERITY_ORDER)
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in doc["findings"]:
        by_rule[f["ruleId"]].append(f)
    cases = [_finding_case(f, threshold) for rule_id in sorted(by_rule) for f in by_rule[rule_id]]
    properties = {f"settings.{k}": str(v) for k, v in (doc.get("settings") or {}).items()}
    return junit_xml("assess", cases or [Case("assess", "no Docker Engine dependency found")], properties)


def render_switch(summary: dict[str, Any], options: RenderOptions) -> str:
    """A case for the schedule and one for the thresholds, plus a failing case per disruption interval."""
    verdict = summary["verdict"]
    reasons = "\n".join(verdict["reasons"])
    cases = [
        Case("assess.switch", name, "failure", message=reasons, text=reasons) if broken else Case("assess.switch", name)
        for name, broken in (
            ("schedule kept", verdict["result"] == "inconclusive"),
            ("thresholds", verdict["result"] == "fail"),
        )
    ]
    cases += [
        Case(
            "assess.switch.intervals",
            f"{i['start']} {i['sampler']}",
            "failure",
            message=i["headline"],
            text=i["headline"],
        )
        for i in summary["intervals"]
    ]
    return junit_xml("assess switch", cases)
