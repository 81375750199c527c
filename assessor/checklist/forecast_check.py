"""Predicted against observed: the plan's forecast error windows joined with a switch test's intervals.

A window is (workload, node): the forecast says that workload drops requests while that node is
switched. An observed interval belongs to the nodes its matched events name. Cluster events
name nodes; log-only events (rke's output) name hosts by address, so addresses are mapped to
node names through the snapshot's Node addresses and cluster.yml's nodes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def node_names(nodes: list[dict[str, Any]], rke_nodes: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Every address (and name) a log line may use for a node → the node's name.

    nodes: raw Node objects; rke_nodes: cluster.yml `nodes` entries (address, internal_address,
    hostname_override: RKE names a node by hostname_override, else by address).
    """
    names: dict[str, str] = {}
    for node in nodes:
        meta = node.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str):
            continue
        names[name] = name
        status = node.get("status")
        addresses = status.get("addresses") if isinstance(status, dict) else None
        for entry in addresses if isinstance(addresses, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("address"), str):
                names.setdefault(entry["address"], name)
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        for key in ("rke.cattle.io/internal-ip", "rke.cattle.io/external-ip"):
            value = annotations.get(key) if isinstance(annotations, dict) else None
            if isinstance(value, str):
                names.setdefault(value, name)
    for entry in rke_nodes or []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("hostname_override") or entry.get("address")
        if not isinstance(name, str):
            continue
        for key in ("address", "internal_address", "hostname_override"):
            if isinstance(entry.get(key), str):
                names.setdefault(entry[key], names.get(name, name))
    return names


def _time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _in_command_phase(interval: dict[str, Any], phase: dict[str, Any] | None) -> bool:
    if not phase:
        return True
    start, end = _time(phase.get("start")), _time(phase.get("end"))
    first, last = _time(interval.get("start")), _time(interval.get("end"))
    if start is None or end is None or first is None or last is None:
        return True
    return first <= end and last >= start


def _interval(interval: dict[str, Any], nodes: list[str]) -> dict[str, Any]:
    return {
        "start": interval.get("start"),
        "end": interval.get("end"),
        "seconds": interval.get("seconds"),
        "errors": interval.get("errors"),
        "sampler": interval.get("sampler"),
        "nodes": nodes,
        "headline": interval.get("headline"),
    }


def _workload(prediction: dict[str, Any]) -> str:
    w = prediction["workload"]
    return f"{w['kind']} {w['namespace'] + '/' if w.get('namespace') else ''}{w['name']}"


def forecast_check(
    forecast: list[dict[str, Any]], switch: dict[str, Any], names: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """{confirmed, notObserved, unforecast}: each forecast window observed or not, each interval nobody forecast."""
    phase = (switch.get("phases") or {}).get("command")
    observed: list[tuple[dict[str, Any], list[str]]] = []
    for interval in switch.get("intervals") or []:
        if not isinstance(interval, dict) or not _in_command_phase(interval, phase):
            continue
        named = [e.get("node") for e in interval.get("events") or [] if isinstance(e, dict)]
        nodes = sorted({names.get(n, n) for n in named if isinstance(n, str)})
        observed.append((interval, nodes))
    confirmed, not_observed = [], []
    forecast_nodes: set[str] = set()
    for prediction in forecast:
        for window in prediction.get("errorWindows") or []:
            node = names.get(window["node"], window["node"])
            forecast_nodes.add(node)
            entry = {"workload": _workload(prediction), "node": node, "forecastSeconds": window.get("seconds")}
            seen = [_interval(i, nodes) for i, nodes in observed if node in nodes]
            if seen:
                confirmed.append({**entry, "observed": seen})
            else:
                not_observed.append(entry)
    unforecast = [_interval(i, nodes) for i, nodes in observed if not forecast_nodes.intersection(nodes)]
    return {"confirmed": confirmed, "notObserved": not_observed, "unforecast": unforecast}
