"""The one module that lists every check package; scan, the CLI and the docs generator load rules with it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from assessor.docker.checks import DOCKER_CHECKS
from assessor.engine.rules import Rule, load_rules
from assessor.engine.template import Catalog
from assessor.nodecheck.checks import NODE_CHECKS
from assessor.rke.checks import RKE_CHECKS
from assessor.versions.checks import VERSION_CHECKS

# The planner's templates run only when a scan writes a migration plan. They are named here so
# that a scan that plans nothing (`assess manifests`, `assess cluster`) skips their rules without
# importing the planner at start-up; a test checks the names against the planner's package.
PLANNER_TEMPLATES = frozenset(
    {
        "forecast-capacity",
        "forecast-cutover",
        "forecast-in-place-restart",
        "forecast-local-data",
        "forecast-no-readiness",
        "forecast-node-entry",
        "forecast-pdb-stall",
        "forecast-quorum",
        "forecast-short-prestop",
        "forecast-single-replica",
        "forecast-skipped-minors",
    }
)


@cache
def catalog(planner: bool = True) -> Catalog:
    """Every check package's templates; without the planner's when planner is False."""
    if not planner:
        return Catalog.of(DOCKER_CHECKS, RKE_CHECKS, VERSION_CHECKS, NODE_CHECKS)
    from assessor.migration.forecast_templates import FORECAST_CHECKS

    return Catalog.of(DOCKER_CHECKS, RKE_CHECKS, VERSION_CHECKS, FORECAST_CHECKS, NODE_CHECKS)


def __getattr__(name: str) -> Catalog:
    # CATALOG, the whole catalog, is made on first use: importing this module must not import the planner
    if name == "CATALOG":
        return catalog()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bundled_rules(directory: Path | None = None, *, planner: bool = True) -> list[Rule]:
    """Every rule under directory (default: the bundled rules/), checked against every template.

    planner=False leaves out the rules of the planner's templates, for scans that plan nothing.
    """
    if planner:
        return load_rules(catalog(), directory)
    return load_rules(catalog(planner=False), directory, skip_templates=PLANNER_TEMPLATES)
