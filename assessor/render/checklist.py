"""The checklist as Markdown (change reviews, pull requests) and as a self-contained HTML page."""

from __future__ import annotations

import html
from typing import Any

from assessor.render.options import RenderOptions
from assessor.render.sanitize.markdown import md_text
from assessor.render.sanitize.xml import xml_text

BOX = {"done": "[x]", "open": "[ ]", "blocked": "[ ]", "needs-a-person": "[ ]"}
LABEL = {"done": "done", "open": "open", "blocked": "BLOCKED", "needs-a-person": "needs a person"}


def render_markdown(doc: dict[str, Any], options: RenderOptions) -> str:
    """Every text of the checklist names input (objects, files, nodes): all of it goes through md_text."""
    d = doc["decision"]
    t = md_text
    out = [f"# Pre-migration checklist: {'GO' if d['result'] == 'go' else 'NO-GO'}", ""]
    out += [md_text(_sources_line(doc)), ""]
    out += [f"- {md_text(line)}" for line in _header_lines(doc)] + ([""] if doc.get("header") else [])
    if d["reasons"]:
        out += ["## Why not yet", ""] + [f"- {t(r)}" for r in d["reasons"]] + [""]
    if d["pending"]:
        out += ["Still needs a person: " + "; ".join(t(p) for p in d["pending"]) + ".", ""]
    for section in doc["sections"]:
        counts = ", ".join(f"{n} {LABEL[s]}" for s, n in section["counts"].items() if n)
        out += [f"## {t(section['title'])}", "", f"_{counts}_", ""]
        for item in section["items"]:
            owner = f" — owner: {t(item['owner'])}" if item.get("owner") else ""
            link = f" ([report](<{_link(item['link'])}>))" if item.get("link") else ""
            out.append(f"- {BOX[item['status']]} **{LABEL[item['status']]}** {t(item['title'])}{owner}{link}")
            out += [f"  - {t(line)}" for line in item["detail"]]
        out.append("")
    out += _forecast_check_markdown(doc.get("forecastCheck"))
    return "\n".join(out).rstrip() + "\n"


def _header_lines(doc: dict[str, Any]) -> list[str]:
    """When, which cluster, which tool, and the digest of every input: what a reviewer checks the report against."""
    header = doc.get("header")
    if not header:
        return []
    tool = header.get("tool") or {}
    lines = [
        f"Generated {header.get('generated')}; cluster {header.get('cluster') or 'unnamed'}; "
        f"{tool.get('name', 'assessor')} {tool.get('version', '?')}"
    ]
    for entry in header.get("inputs") or []:
        digest = f"sha256 {entry['sha256']}" if entry.get("sha256") else "no digest"
        lines.append(f"Input {entry['role']}: {entry['path']} ({digest})")
    return lines


def _clock(text: Any) -> str:
    """16:07:13 from an ISO timestamp (the switch test's times are UTC)."""
    return str(text)[11:19] if isinstance(text, str) and len(text) >= 19 else str(text)


def _observed(interval: dict[str, Any]) -> str:
    return (
        f"{_clock(interval.get('start'))}–{_clock(interval.get('end'))} "
        f"({interval.get('errors')} error(s), {interval.get('sampler')})"
    )


def forecast_check_lines(check: dict[str, Any]) -> list[tuple[str, str]]:
    """(status, text) per window and per unforecast interval: the same lines in Markdown and HTML."""
    lines = []
    for c in check.get("confirmed", []):
        seen = ", ".join(_observed(i) for i in c["observed"])
        lines.append(
            ("confirmed", f"{c['workload']} on {c['node']} (forecast ~{c['forecastSeconds']:g} s): observed {seen}")
        )
    for n in check.get("notObserved", []):
        lines.append(
            (
                "not observed",
                f"{n['workload']} on {n['node']} (forecast ~{n['forecastSeconds']:g} s): "
                "no disruption on that node during the command",
            )
        )
    for u in check.get("unforecast", []):
        where = ", ".join(u.get("nodes") or []) or "no node named by its events"
        lines.append(("unforecast", f"{_observed(u)} on {where}: {u.get('headline') or ''}".rstrip(": ")))
    return lines


def _forecast_counts(check: dict[str, Any]) -> str:
    return (
        f"{len(check.get('confirmed', []))} confirmed, {len(check.get('notObserved', []))} not observed, "
        f"{len(check.get('unforecast', []))} unforecast"
    )


FORECAST_TITLE = "Forecast against the switch test"


def _forecast_check_markdown(check: dict[str, Any] | None) -> list[str]:
    if check is None:
        return []
    out = [f"## {FORECAST_TITLE}", "", f"_{_forecast_counts(check)}_", ""]
    out += [f"- **{status}** {md_text(text)}" for status, text in forecast_check_lines(check)]
    return [*out, ""]


def _forecast_check_html(check: dict[str, Any] | None) -> list[str]:
    if check is None:
        return []
    e = _html
    css = {"confirmed": "blocked", "not observed": "done", "unforecast": "open"}
    parts = [f"<h2>{FORECAST_TITLE}</h2><div class='counts'>{e(_forecast_counts(check))}</div><ul class='items'>"]
    for status, text in forecast_check_lines(check):
        parts.append(
            f"<li><span class='box'></span><span><span class='st {css[status]}'>{e(status)}</span></span>"
            f"<div>{e(text)}</div></li>"
        )
    parts.append("</ul>")
    return parts


def _html(text: str) -> str:
    """Escaped, and without the control characters HTML forbids."""
    return html.escape(xml_text(text))


def _sources_line(doc: dict[str, Any]) -> str:
    parts = [f"{k}: {v}" for k, v in doc["sources"].items() if v]
    return "Assessed " + "; ".join(parts) + f" (assessor {doc['tool']['version']})."


def _link(target: str) -> str:
    """A link destination in <…>: only <, > and line breaks would end it; they are percent-encoded."""
    return target.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A").replace("\r", "%0D")


CSS = """
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:28px auto;max-width:1000px;
color:#1d1d1f;padding:0 16px}
h1{font-size:24px;margin:0 0 6px}h2{font-size:18px;margin:26px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
.decision{display:inline-block;padding:3px 14px;border-radius:14px;color:#fff;font-weight:700}
.go{background:#2f8f52}.no-go{background:#c23b3b}
.muted{color:#666}.counts{color:#555;font-size:13px;margin:2px 0 8px}
ul.items{list-style:none;padding:0;margin:0}
ul.items>li{padding:6px 0;border-bottom:1px solid #f0f0f0;display:grid;grid-template-columns:20px 122px 1fr;
align-items:start}
.st{display:inline-block;width:104px;font-size:12px;font-weight:600;padding:1px 4px;border-radius:10px;
text-align:center}
.done{background:#e3f3e8;color:#1f6b3a}.open{background:#fff3d6;color:#7a5200}
.blocked{background:#fbe1e1;color:#9c2424}.needs-a-person{background:#e6ecfb;color:#2b4a9c}
.box{font-family:ui-monospace,monospace;margin-right:6px}.owner{color:#666;font-size:12px}
ul.detail{margin:4px 0 0;padding-left:16px;color:#333;font-size:13px}
.reasons li{margin:3px 0}
@media print{body{margin:12mm;max-width:none}.st{border:1px solid #999}h2{break-after:avoid}li{break-inside:avoid}}
"""


def render_html(doc: dict[str, Any], options: RenderOptions) -> str:
    d = doc["decision"]
    e = _html
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Pre-migration checklist: {e(d['result'].upper())}</title>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Pre-migration checklist <span class='decision {e(d['result'])}'>{e(d['result'].upper())}</span></h1>",
        f"<p class='muted'>{e(_sources_line(doc))}</p>",
    ]
    header = _header_lines(doc)
    if header:
        parts.append("<p class='muted header'>" + "<br>".join(e(line) for line in header) + "</p>")
    if d["reasons"]:
        parts.append(
            "<h2>Why not yet</h2><ul class='reasons'>" + "".join(f"<li>{e(r)}</li>" for r in d["reasons"]) + "</ul>"
        )
    if d["pending"]:
        parts.append(f"<p>Still needs a person: {e('; '.join(d['pending']))}.</p>")
    for section in doc["sections"]:
        counts = ", ".join(f"{n} {LABEL[s]}" for s, n in section["counts"].items() if n)
        parts.append(f"<h2>{e(section['title'])}</h2><div class='counts'>{e(counts)}</div><ul class='items'>")
        for item in section["items"]:
            owner = f" <span class='owner'>owner: {e(item['owner'])}</span>" if item.get("owner") else ""
            link = f" <a href='{e(item['link'])}'>report</a>" if item.get("link") else ""
            detail = "".join(f"<li>{e(line)}</li>" for line in item["detail"])
            parts.append(
                f"<li><span class='box'>{'☑' if item['status'] == 'done' else '☐'}</span>"
                f"<span><span class='st {e(item['status'])}'>{e(LABEL[item['status']])}</span></span>"
                f"<div>{e(item['title'])}{owner}{link}"
                + (f"<ul class='detail'>{detail}</ul>" if detail else "")
                + "</div></li>"
            )
        parts.append("</ul>")
    parts += _forecast_check_html(doc.get("forecastCheck"))
    parts.append("</body></html>\n")
    return "\n".join(parts)
