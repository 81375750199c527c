"""report.html: one self-contained page (inline SVG and CSS, no scripts from anywhere)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

W, LEFT, RIGHT = 1100, 70, 20
COLORS = {"ok": "#3a9a5b", "ko": "#d64545", "interval": "rgba(214,69,69,0.12)", "latency": "#3b6fd6"}
KIND_COLOR = {
    "container-restart": "#d64545",
    "container-stop": "#d64545",
    "container-start": "#3a9a5b",
    "pod-not-ready": "#e08a1e",
    "pod-ready": "#3a9a5b",
    "pod-deleted": "#d64545",
    "pod-created": "#3a9a5b",
    "node-cordon": "#7b5cd6",
    "node-uncordon": "#7b5cd6",
    "node-drain": "#7b5cd6",
    "host-processing": "#888",
    "runtime-stop": "#d64545",
    "runtime-start": "#3a9a5b",
    "node-not-ready": "#e08a1e",
    "node-ready": "#3a9a5b",
}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.pass{background:#3a9a5b}.fail{background:#d64545}.inconclusive{background:#b07d12}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f4f4f6}.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#666}svg{display:block;max-width:100%;height:auto}
@media print{body{margin:10mm}h2{break-after:avoid}svg,table{break-inside:avoid}}
"""


def _t(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def _parse(iso_text: str) -> float:
    return float(dt.datetime.fromisoformat(iso_text.replace("Z", "+00:00")).timestamp())


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _timeline(summary: dict[str, Any], events: list[dict[str, Any]]) -> str:
    seconds = summary["perSecond"]
    if not seconds:
        return "<p class='muted'>No requests were recorded.</p>"
    t0, t1 = int(seconds[0]["second"]), int(seconds[-1]["second"]) + 1
    span = max(1, t1 - t0)
    plot_w = W - LEFT - RIGHT

    def x(ts: float) -> float:
        return LEFT + (ts - t0) / span * plot_w

    nodes = sorted({e["node"] for e in events if e.get("node")})
    lanes = [*nodes, "other"] if any(not e.get("node") for e in events) else nodes
    bars_h, lat_h, lane_h = 160, 80, 22
    top_lat = bars_h + 30
    top_lanes = top_lat + lat_h + 30
    height = top_lanes + lane_h * max(1, len(lanes)) + 48
    peak = max(s["ok"] + s["ko"] for s in seconds) or 1
    lat_peak = max((s.get("latencyP50Ms") or 0) for s in seconds) or 1
    parts = [
        f'<svg viewBox="0 0 {W} {height}" xmlns="http://www.w3.org/2000/svg" role="img" '
        'aria-label="requests per second, latency and events over time">'
    ]
    for interval in summary["intervals"]:
        a, b = x(_parse(interval["start"])), x(_parse(interval["end"]) + 1)
        parts.append(
            f'<rect x="{a:.1f}" y="0" width="{max(2.0, b - a):.1f}" height="{height - 20}" '
            f'fill="{COLORS["interval"]}"><title>{_esc(interval["headline"])}</title></rect>'
        )
    bar_w = max(1.0, plot_w / span - 1)
    for s in seconds:
        ok_h = s["ok"] / peak * bars_h
        ko_h = s["ko"] / peak * bars_h
        bx = x(s["second"])
        parts.append(
            f'<rect x="{bx:.1f}" y="{bars_h - ok_h:.1f}" width="{bar_w:.1f}" height="{ok_h:.1f}" '
            f'fill="{COLORS["ok"]}"/>'
        )
        if s["ko"]:
            parts.append(
                f'<rect x="{bx:.1f}" y="{bars_h - ok_h - ko_h:.1f}" width="{bar_w:.1f}" height="{ko_h:.1f}" '
                f'fill="{COLORS["ko"]}"><title>{_t(s["second"])}: {s["ko"]} failed '
                f"{_esc(s['statuses'])}</title></rect>"
            )
    parts.append(f'<text x="4" y="14" font-size="11">{peak}/s</text><text x="4" y="{bars_h}" font-size="11">0</text>')
    parts.append(
        f'<text x="{LEFT}" y="{bars_h + 16}" font-size="12" fill="#333">requests per second: '
        f'<tspan fill="{COLORS["ok"]}">OK</tspan> / <tspan fill="{COLORS["ko"]}">KO</tspan></text>'
    )
    points = [
        f"{x(s['second'] + 0.5):.1f},{top_lat + lat_h - (s['latencyP50Ms'] / lat_peak * lat_h):.1f}"
        for s in seconds
        if s.get("latencyP50Ms") is not None
    ]
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLORS["latency"]}" stroke-width="1.5"/>'
        )
    parts.append(f'<text x="4" y="{top_lat + 10}" font-size="11">{lat_peak:g} ms</text>')
    parts.append(
        f'<text x="{LEFT}" y="{top_lat + lat_h + 16}" font-size="12" fill="#333">latency p50 per second</text>'
    )
    for i, lane in enumerate(lanes):
        y = top_lanes + i * lane_h
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y + 11}" y2="{y + 11}" stroke="#ddd"/>')
        parts.append(f'<text x="4" y="{y + 15}" font-size="11">{_esc(str(lane)[:10])}</text>')
        for e in events:
            if (e.get("node") or "other") != lane or not (t0 <= e["time"] <= t1):
                continue
            color = KIND_COLOR.get(e["kind"], "#999")
            label = f"{_t(e['time'])} {e['kind']} {e.get('workload') or e.get('container') or ''}"
            parts.append(
                f'<rect x="{x(e["time"]) - 2:.1f}" y="{y + 4}" width="4" height="14" fill="{color}">'
                f"<title>{_esc(label)}</title></rect>"
            )
    legend_y = height - 18
    legend = [
        ("container stop/restart", "#d64545"),
        ("start/ready", "#3a9a5b"),
        ("not ready", "#e08a1e"),
        ("cordon/drain", "#7b5cd6"),
        ("other", "#999"),
    ]
    lx = LEFT
    for label, color in legend:
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 9}" width="8" height="10" fill="{color}"/>'
            f'<text x="{lx + 12}" y="{legend_y}" font-size="11">{label}</text>'
        )
        lx += 30 + 7 * len(label)
    for k in range(0, 6):
        ts = t0 + span * k / 5
        parts.append(f'<text x="{x(ts):.1f}" y="{height - 30}" font-size="11" text-anchor="middle">{_t(ts)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_report(summary: dict[str, Any], events: list[dict[str, Any]]) -> str:
    verdict = summary["verdict"]
    totals = summary["totals"]
    run = summary["run"]
    rows = []
    for interval in summary["intervals"]:
        matched = "".join(
            f"<li>{_esc(e['at'][11:23])} {_esc(e['kind'])} {_esc(e.get('node') or '')} "
            f"{_esc(e.get('workload') or e.get('container') or '')}</li>"
            for e in interval["events"][:5]
        )
        rows.append(
            f"<tr><td>{_esc(interval['sampler'])}</td><td>{_esc(interval['start'][11:23])}</td>"
            f"<td class='num'>{interval['seconds']:g} s</td><td class='num'>{interval['errors']}</td>"
            f"<td>{_esc(interval['statuses'])}</td><td>{_esc(interval['headline'])}<ul>{matched}</ul></td></tr>"
        )
    phase_rows = "".join(
        f"<tr><td>{_esc(name)}</td><td class='num'>{p['requests']}</td><td class='num'>{p['errors']}</td>"
        f"<td class='num'>{p['latencyMs']['p50']}</td><td class='num'>{p['latencyMs']['p99']}</td>"
        f"<td class='num'>{p['latencyMs']['max']}</td></tr>"
        for name, p in summary["phases"].items()
    )
    reasons = "".join(f"<li>{_esc(r)}</li>" for r in verdict["reasons"])
    command = " ".join(run.get("command") or []) or "none (operator works by hand)"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switch test: {_esc(verdict["result"])}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style></head><body>
<h1>Switch test <span class="verdict {_esc(verdict["result"])}">{_esc(verdict["result"].upper())}</span></h1>
<p class="muted">{_esc(run["started"])} → {_esc(run["ended"])} · {_esc(", ".join(run["urls"]))} ·
{run["rate"]:g} requests/s per sampler ({_esc(", ".join(run["samplers"]))}) · command: <code>{_esc(command)}</code>
{f"(exit {run['commandExitCode']})" if run.get("commandExitCode") is not None else ""}</p>
<ul>{reasons}</ul>
<table><tr><th>requests</th><th>OK</th><th>errors</th><th>dropped</th><th>error ratio</th>
<th>disrupted</th><th>longest interval</th><th>lag p99</th></tr>
<tr><td class="num">{totals["requests"]}</td><td class="num">{totals["ok"]}</td><td class="num">{totals["errors"]}</td>
<td class="num">{totals["dropped"]}</td><td class="num">{totals["errorRatio"]:.4f}</td>
<td class="num">{totals["disruptedSeconds"]:g} s</td><td class="num">{totals["longestIntervalSeconds"]:g} s</td>
<td class="num">{totals["lagMs"]["p99"]} ms</td></tr></table>
<h2>Timeline</h2>{_timeline(summary, events)}
<h2>Disruption intervals and what happened around them</h2>
<table><tr><th>sampler</th><th>start</th><th>length</th><th>errors</th><th>statuses</th><th>matched events</th></tr>
{"".join(rows) or '<tr><td colspan="6">No failed request.</td></tr>'}</table>
<h2>Phases</h2><table><tr><th>phase</th><th>requests</th><th>errors</th><th>p50 ms</th><th>p99 ms</th>
<th>max ms</th></tr>{phase_rows}</table>
<p class="muted">assessor {_esc(run["tool"]["version"])} · requests.jsonl, events.jsonl and summary.json beside this
file hold every request and event.</p>
</body></html>
"""
