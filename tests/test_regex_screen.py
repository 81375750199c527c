"""regex_screen: one search that finds a match exactly when one of a family's patterns does."""

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
]


@pytest.mark.parametrize(
    "patterns",
    [
        [r"docker\.sock", r"(?i)docker", r"(^|/)fluent/fluentd-kubernetes-daemonset:"],
        [r"(?i)twistlock.*defender|prismacloud.*defender|(^|/)defender:defender_", r"^docker\b"],
        [r"^#", r"three$"],
        [r"(?m)^# docker", r"DOCKER_HOST"],
        [r"(?s)one.*three"],
        [r"(?P<a>dock)er", r"(?P<b>contain)erd"],
    ],
    ids=["flags-and-groups", "alternations", "anchors", "multiline", "dotall", "named-groups"],
)
def test_screen_agrees_with_the_patterns(patterns: list[str]) -> None:
    compiled = [re.compile(p) for p in patterns]
    screen = regex_screen(compiled)
    assert screen is not None
    for text in TEXTS:
        assert screen(text) == any(p.search(text) for p in compiled), text


@pytest.mark.parametrize(
    "patterns",
    [
        [r"(a)\1", r"b"],  # a backreference: merging renumbers groups
        [r"(?P<x>a)(?P=x)", r"b"],
        [r"(?P<x>a)", r"(?P<x>b)"],  # the same group name twice
        [re.compile(r"a # comment", re.VERBOSE), r"b"],
        [None, r"b"],
        [],
    ],
    ids=["backreference", "named-reference", "duplicate-name", "verbose", "missing", "none"],
)
def test_no_screen_where_no_exact_union_exists(patterns: list[object]) -> None:
    compiled = [p if not isinstance(p, str) else re.compile(p) for p in patterns]
    assert regex_screen(compiled) is None  # type: ignore[arg-type]
