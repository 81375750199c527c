"""The terminal summary of a switch test."""

from __future__ import annotations

from typing import Any

from assessor.render.options import RenderOptions
from assessor.render.sanitize.terminal import terminal_doc


def render(summary: dict[str, Any], options: RenderOptions) -> str:
    summary = terminal_doc(summary)  # URLs, pod and node names from the cluster, inert on a terminal
    t = summary["totals"]
    v = summary["verdict"]
    lines = [
        f"Switch test: {v['result'].upper()}",
        *(f"  - {r}" for r in v["reasons"]),
        "",
        f"requests {t['requests']}  ok {t['ok']}  errors {t['errors']}  dropped {t['dropped']}  "
        f"error ratio {t['errorRatio']:.4f}  disrupted {t['disruptedSeconds']:g} s  lag p99 {t['lagMs']['p99']} ms",
        "",
        f"{'PHASE':<10}{'REQUESTS':>10}{'ERRORS':>8}{'P50 MS':>10}{'P90 MS':>10}{'P99 MS':>10}{'MAX MS':>10}",
    ]
    for name, p in summary["phases"].items():
        lat = p["latencyMs"]
        lines.append(
            f"{name:<10}{p['requests']:>10}{p['errors']:>8}{_n(lat['p50']):>10}{_n(lat['p90']):>10}"
            f"{_n(lat['p99']):>10}{_n(lat['max']):>10}"
        )
    lines.append("")
    if summary["intervals"]:
        lines.append(f"{len(summary['intervals'])} disruption interval(s):")
        for interval in summary["intervals"]:
            lines.append(f"  {interval['headline']}")
    else:
        lines.append("No disruption interval.")
    if options.artifacts is not None:
        lines += [
            "",
            f"report: {options.artifacts}/report.html  (requests.jsonl, events.jsonl, summary.json beside it)",
        ]
    return "\n".join(lines) + "\n"


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
