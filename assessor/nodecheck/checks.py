"""The node-report check package as the engine sees it: its templates."""

from __future__ import annotations

from assessor.engine.template import CheckPackage
from assessor.nodecheck.templates import NODE_TEMPLATES

NODE_CHECKS = CheckPackage("nodecheck", NODE_TEMPLATES)
