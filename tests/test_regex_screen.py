"""regex_screen: one test that finds a match exactly when one of a family's patterns does."""

from __future__ import annotations

import re

import pytest

from assessor.engine.schema import regex_screen

TEXTS = [
    "",
    "DOCKER_HOST=tcp://localhost:2375",
    "docker ps",
    "Docker",
    "/var/run/docker.sock",
    "registry.example/fluent/fluentd-kubernetes-daemonset:v1",
    "fluent/fluentd-kubernetes-daemonset:v1",
    "twistlock-defender",
    "line one\n# docker run\nline three",
    "containerd",
    "aa",
]


@pytest.mark.parametrize(
    "patterns",
    [
        [r"docker\.sock", r"(?i)docker", r"(^|/)fluent/fluentd-kubernetes-daemonset:"],
        [r"(?i)twistlock.*defender|prismacloud.*defender|(^|/)defender:defender_", r"^docker\b"],
        [r"^#", r"three$"],
        [r"(?m)^# docker", r"DOCKER_HOST"],
        [r"(?s)one.*three"],
        [r"(a)\1", r"(?P<x>contain)erd"],
        [r"nothing-matches-this"],
    ],
    ids=["flags-and-groups", "alternations", "anchors", "multiline", "dotall", "references", "one"],
)
def test_screen_agrees_with_the_patterns(patterns: list[str]) -> None:
    compiled = [re.compile(p) for p in patterns]
    screen = regex_screen(compiled)
    assert screen is not None
    for text in TEXTS:
        assert screen(text) == any(p.search(text) for p in compiled), text


@pytest.mark.parametrize("patterns", [[None, re.compile("b")], []], ids=["missing", "none"])
def test_no_screen_without_every_pattern(patterns: list[re.Pattern[str] | None]) -> None:
    assert regex_screen(patterns) is None
