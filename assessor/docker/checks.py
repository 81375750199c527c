"""The Docker-dependency check package as the engine sees it: its templates and condition keys."""

from __future__ import annotations

from assessor.docker.conditions import DOCKER_CONDITIONS
from assessor.docker.templates import DOCKER_TEMPLATES
from assessor.engine.template import CheckPackage

DOCKER_CHECKS = CheckPackage("docker", DOCKER_TEMPLATES, DOCKER_CONDITIONS)
