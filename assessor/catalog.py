"""The one module that lists every check package; scan, the CLI and the docs generator load rules with it."""

from __future__ import annotations

from pathlib import Path

from assessor.docker.checks import DOCKER_CHECKS
from assessor.engine.rules import Rule, load_rules
from assessor.engine.template import Catalog
from assessor.migration.forecast_templates import FORECAST_CHECKS
from assessor.nodecheck.checks import NODE_CHECKS
from assessor.rke.checks import RKE_CHECKS
from assessor.versions.checks import VERSION_CHECKS

CATALOG = Catalog.of(DOCKER_CHECKS, RKE_CHECKS, VERSION_CHECKS, FORECAST_CHECKS, NODE_CHECKS)


def bundled_rules(directory: Path | None = None) -> list[Rule]:
    """Every rule under directory (default: the bundled rules/), checked against every template."""
    return load_rules(CATALOG, directory)
