"""Every matcher template by name: the pod, ConfigMap and Node ones, the cluster.yml and plan ones."""

from __future__ import annotations

from assessor.engine.rke_templates import RKE_TEMPLATES
from assessor.engine.templates import POD_TEMPLATES, Template
from assessor.engine.version_templates import RemovedApiTemplate
from assessor.migration.forecast_templates import FORECAST_TEMPLATES

TEMPLATES: dict[str, Template] = {
    t.name: t for t in (*POD_TEMPLATES, *RKE_TEMPLATES, RemovedApiTemplate(), *FORECAST_TEMPLATES)
}
