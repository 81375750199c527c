"""The version check package as the engine sees it: removed APIs and hop-path blockers."""

from __future__ import annotations

from assessor.engine.template import CheckPackage
from assessor.versions.templates import VERSION_TEMPLATES

VERSION_CHECKS = CheckPackage("versions", VERSION_TEMPLATES)
