"""The RKE upgrade-strategy model against RKE's own CalculateMaxUnavailable (see assessor/rke/strategy.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assessor.cli import app
from assessor.migration.strategy import strategy_from
from assessor.model.objects import K8sObject
from assessor.model.origin import Origin
from assessor.model.rke import RkeConfig
from assessor.rke.strategy import DEFAULTS, DrainInput, max_unavailable, upgrade_strategy
from assessor.rke.templates import RkeContext, RkeUpgradeBatchTemplate
from assessor.versions.matrix import load_matrix

REFUSED = None

# (cluster.yml value, hosts, RKE's max_unavailable or REFUSED, nodes taken down at once)
WORKER_TABLE: list[tuple[Any, int, int | None, int | None]] = [
    (None, 10, 1, 1),  # default 10%: floor(1.0)
    ("", 25, 2, 2),  # empty is the default too: floor(2.5)
    (None, 4, 1, 1),  # floor(0.4) = 0, raised to 1
    ("10%", 1, 1, 1),
    ("50%", 4, 2, 2),
    ("33%", 10, 3, 3),  # rounded down, not up
    ("150%", 4, 6, 4),  # RKE's number is 6, more than there are workers: all 4 at once
    ("100%", 200, 200, 50),  # RKE caps parallel upgrades at 50 (ResetMaxUnavailable)
    ("2", 4, 2, 2),
    (2, 4, 2, 2),  # YAML integer: the string field receives "2"
    ("10", 4, 10, 4),  # an integer is not capped at the node count by RKE
    ("+3", 5, 3, 3),  # strconv.Atoi accepts a sign
    ("5%%", 100, 5, 5),  # the legacy parser removes every "%"
    ("00%", 10, 1, 1),  # not the literal "0%": 0 percent, raised to 1
    ("10%", 0, 1, 0),  # no worker at all: RKE's minimum of 1, nothing to take down
    ("3", 0, 3, 0),
    ("0", 4, REFUSED, None),
    (0, 4, REFUSED, None),
    ("-1", 4, REFUSED, None),
    ("0%", 4, REFUSED, None),
    ("-10%", 4, REFUSED, None),
    ("abc", 4, REFUSED, None),
    ("abc", 0, REFUSED, None),  # refused before the hosts are counted
    ("2.5", 4, REFUSED, None),
    ("12.5%", 8, REFUSED, None),
    (" 2", 4, REFUSED, None),  # Atoi takes no spaces
    (True, 4, REFUSED, None),  # "true"
    ([1], 4, REFUSED, None),
    ("99999999999999999999", 4, REFUSED, None),  # out of Atoi's range
]

_CLUSTER = K8sObject({"kind": "RKECluster", "metadata": {"name": "test"}}, Origin())


@pytest.mark.parametrize(("raw", "hosts", "value", "batch"), WORKER_TABLE)
def test_worker_batch_follows_rke(raw: Any, hosts: int, value: int | None, batch: int | None) -> None:
    m = max_unavailable(raw, hosts, "worker")
    assert m.value == value
    assert m.batch == batch
    assert m.valid is (value is not None)
    if value is None:
        assert m.error is not None and m.error.startswith("invalid input for max_unavailable_worker")


def test_controlplane_defaults_to_one_and_is_refused_like_workers() -> None:
    assert max_unavailable(None, 3, "controlplane").value == 1
    assert max_unavailable("67%", 3, "controlplane").value == 2
    refused = max_unavailable("-1", 3, "controlplane")
    assert refused.error is not None and "max_unavailable_controlplane" in refused.error


def test_explain_names_the_rounding() -> None:
    assert max_unavailable("10%", 2, "worker").explain() == "10% of 2 worker(s) is 0.2, rounded down and raised to 1"
    assert max_unavailable("150%", 4, "worker").explain() == (
        "150% of 4 worker(s) is 6, rounded down to 6, which is every node"
    )
    assert max_unavailable("2", 4, "worker").explain() == "2 of 4 worker(s)"


def _config(strategy: Any, roles: list[list[str]]) -> RkeConfig:
    raw: dict[str, Any] = {"nodes": [{"address": f"10.0.0.{i}", "role": r} for i, r in enumerate(roles)]}
    if strategy is not None:
        raw["upgrade_strategy"] = strategy
    return RkeConfig("cluster.yml", raw, Origin())


ROLES = [["controlplane", "etcd"], ["worker"], ["worker"], ["worker"], ["worker", "controlplane"]]


def test_strategy_from_cluster_yml_counts_roles_and_fills_rke_defaults() -> None:
    s = upgrade_strategy(_config(None, ROLES))
    assert (s.worker.hosts, s.controlplane.hosts) == (4, 2)
    assert (s.worker.text, s.worker.defaulted, s.controlplane.text) == ("10%", True, "1")
    assert s.drain is False
    assert (s.drain_input.timeout, s.drain_input.ignore_daemonsets, s.drain_input.grace_period) == (120, True, -1)
    s = upgrade_strategy(
        _config(
            {"drain": True, "max_unavailable_worker": "50%", "node_drain_input": {"timeout": 300, "force": True}},
            ROLES,
        )
    )
    assert (s.drain, s.worker.batch, s.drain_input.timeout, s.drain_input.force) == (True, 2, 300, True)
    assert upgrade_strategy(_config("not a map", ROLES)).worker.text == "10%"


def _hits(strategy: Any) -> list[dict[str, Any]]:
    ctx = RkeContext(_config(strategy, ROLES), None, None, _CLUSTER)
    return [{"value": h.value, **h.facts} for h in RkeUpgradeBatchTemplate().hits(ctx, {})]


def test_rke_rule_and_forecast_agree_on_150_percent() -> None:
    """The issue's case: the rule and the forecast once said 4 and 6 for "150%" of 4 workers."""
    (hit,) = _hits({"max_unavailable_worker": "150%"})
    assert hit["batch"] == 4 and hit["invalid"] is False
    assert strategy_from(_config({"max_unavailable_worker": "150%"}, ROLES), "in-place").batch == 4


def test_rke_rule_reports_a_value_rke_refuses() -> None:
    hits = _hits({"max_unavailable_worker": "abc", "max_unavailable_controlplane": 0})
    assert [(h["invalid"], h["role"]) for h in hits] == [(True, "worker"), (True, "controlplane")]
    assert "RKE refuses max_unavailable_worker" in hits[0]["value"]
    plan = strategy_from(_config({"max_unavailable_worker": "abc"}, ROLES), "in-place")
    assert plan.to_dict()["maxUnavailableWorkerError"] == plan.rke.worker.error


def test_assess_rke_reports_the_refused_value_as_high(tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yml"
    cluster.write_text(
        "nodes:\n- {address: 10.0.0.1, role: [controlplane, etcd, worker]}\n- {address: 10.0.0.2, role: [worker]}\n"
        "upgrade_strategy:\n  max_unavailable_worker: '-1'\n"
    )
    result = CliRunner().invoke(app, ["rke", str(cluster), "-o", "json"])
    findings = [f for f in json.loads(result.stdout)["findings"] if f["ruleId"] == "RKE002"]
    assert [(f["severity"], f["evidence"]["path"]) for f in findings] == [
        ("high", "upgrade_strategy.max_unavailable_worker")
    ]
    assert "value must be > 0" in findings[0]["message"]


def test_the_model_defaults_match_the_version_data() -> None:
    """rules/versions/rke-policy.yaml keeps RKE's defaults too; the two must not drift apart."""
    data = load_matrix().upgrade_strategy_defaults
    d = DrainInput()
    assert (data["max_unavailable_worker"], data["max_unavailable_controlplane"]) == (
        DEFAULTS["worker"],
        DEFAULTS["controlplane"],
    )
    assert data["node_drain_input"] == {
        "force": d.force,
        "ignore_daemonsets": d.ignore_daemonsets,
        "delete_local_data": d.delete_local_data,
        "grace_period": d.grace_period,
        "timeout": d.timeout,
    }
