"""The cluster.yml check package as the engine sees it: its templates and condition keys."""

from __future__ import annotations

from assessor.engine.template import CheckPackage
from assessor.rke.conditions import RKE_CONDITIONS
from assessor.rke.templates import RKE_TEMPLATES

RKE_CHECKS = CheckPackage("rke", RKE_TEMPLATES, RKE_CONDITIONS)
