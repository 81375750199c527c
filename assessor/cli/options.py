"""The option groups every command shares, and the decorator that spreads a group into typer options.

A group is a frozen dataclass whose fields carry their typer options (Annotated); a command
takes the group as one parameter and `command` turns its fields into options of the same
names, flags, placeholders and help in every command that takes it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import re
import typing
from collections.abc import Callable
from copy import copy
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand

from assessor.atomicwrite import DestinationError, check_file_destination
from assessor.cli.app import fail
from assessor.docker.context import DEFAULT_DESTINATION, DESTINATIONS
from assessor.model.findings import Severity
from assessor.render.registry import Kind, UnknownFormat, choose_format, formats

F = TypeVar("F", bound=Callable[..., Any])


MAX_DURATION = 86400.0  # a day: longer is a typo (or an attempt to overflow a timer), not a plan


def parse_duration(text: str, allow_zero: bool = False) -> float:
    """kubectl's --request-timeout style: 30, 30s, 1m, 1m30s, 500ms; more than 0 (or 0 if allowed), at most a day."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        seconds = float(text)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise typer.BadParameter(f"{text[:40]!r} is not a duration like 30s, 1m or 1m30s")
        scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
        seconds = sum(float(n) * scale[u] for n, u in parts)
    # a long enough run of digits parses to inf: not finite, so over the limit as well
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise typer.BadParameter(f"{text[:40]!r} is longer than a day (24h), the longest duration accepted")
    if seconds == 0 and not allow_zero:
        raise typer.BadParameter(f"{text!r} is no time at all; give a duration above zero, e.g. 30s")
    return seconds


def duration(value: str | None, flag: str, allow_zero: bool = False) -> float | None:
    """A DURATION option's seconds; a malformed one is a usage error naming the flag."""
    if value is None:
        return None
    try:
        return parse_duration(value, allow_zero)
    except typer.BadParameter as exc:
        raise typer.BadParameter(str(exc), param_hint=flag) from None


def _check_fail_on(value: str) -> str:
    if value != "none":
        try:
            Severity.parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


def _check_destination(value: str) -> str:
    if value not in DESTINATIONS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(DESTINATIONS)}")
    return value


def Duration(flag: str, help: str, allow_zero: bool = False) -> Any:
    """A typer option that takes a DURATION (30s, 1m, 500ms) and rejects anything else with exit 2:
    malformed, zero (unless `allow_zero`), or longer than a day."""

    def check(value: str | None) -> str | None:
        if value is not None:
            parse_duration(value, allow_zero)
        return value

    return typer.Option(flag, metavar="DURATION", callback=check, help=help)


RkeVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--rke-version",
        metavar="VERSION",
        help="The rke binary in use, e.g. v1.3.2 (its default applies when cluster.yml has no kubernetes_version).",
    ),
]
DirectOpt = Annotated[
    bool,
    typer.Option(
        "--direct",
        help="You mean to set kubernetes_version to --target in one edit: report the minors that skips (UPG001).",
    ),
]


NodesDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--nodes",
        metavar="DIR",
        help="Node reports (the --out folder of assess nodes, or assess node -o json files) to merge in.",
    ),
]


@dataclasses.dataclass(frozen=True, slots=True)
class KubeAccess:
    """How to reach the API server: every command that talks to a cluster."""

    kubeconfig: Annotated[
        str | None,
        typer.Option(
            "--kubeconfig", metavar="PATH", help="Path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."
        ),
    ] = None
    context: Annotated[str | None, typer.Option("--context", metavar="NAME", help="The kubeconfig context to use.")] = (
        None
    )
    request_timeout: Annotated[str, Duration("--request-timeout", "Limit for a whole API request, e.g. 30s or 1m.")] = (
        "30s"
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ClusterAccess(KubeAccess):
    """What to read of a cluster, live or from a snapshot: every command that scans one."""

    namespace: Annotated[
        list[str] | None,
        typer.Option("-n", "--namespace", metavar="NAMESPACE", help="Only this namespace (repeatable)."),
    ] = None
    all_namespaces: Annotated[
        bool, typer.Option("-A", "--all-namespaces", help="All namespaces (the default without -n).")
    ] = False
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", metavar="N", min=1, max=10000, help="Objects per list page.")
    ] = 500
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot", metavar="PATH", help="Read a `kubectl get … -A -o yaml|json` dump instead of a live cluster."
        ),
    ] = None
    scan_timeout: Annotated[
        str | None,
        Duration(
            "--timeout",
            "Limit for reading the whole cluster; what is left is reported as not read "
            "(default: 20 × --request-timeout, at least 5m).",
        ),
    ] = None

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(self.namespace or ())

    @property
    def live_requested(self) -> bool:
        return bool(self.kubeconfig or self.context or self.namespace)

    @property
    def given(self) -> bool:
        return self.snapshot is not None or self.live_requested


@dataclasses.dataclass(frozen=True, slots=True)
class ScanSettings:
    """What to check against and what to say: every command that scans."""

    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            metavar="VERSION",
            help="Kubernetes version to plan for, e.g. v1.25 (default: the newest minor RKE1 runs, then RKE2).",
        ),
    ] = None
    destination: Annotated[
        str,
        typer.Option(
            "--destination",
            metavar="RUNTIME",
            callback=_check_destination,
            help="What the nodes move to: rke2 (containerd at /run/k3s/containerd/containerd.sock)"
            " or containerd (/run/containerd/containerd.sock).",
        ),
    ] = DEFAULT_DESTINATION
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Do not print notes about skipped input.")] = False


@dataclasses.dataclass(frozen=True, slots=True)
class Gate:
    """When findings fail the command: every command that scans."""

    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY",
            callback=_check_fail_on,
            help="Exit 1 when a finding has this severity or worse: critical, high, medium, low, info, none.",
        ),
    ] = "high"
    allow_partial: Annotated[
        bool, typer.Option("--allow-partial", help="Exit 0 rather than 3 when the scan could not read everything.")
    ] = False


@dataclasses.dataclass(frozen=True, slots=True)
class BaselineFiles:
    """Accepted findings in, the current findings out: every command that gates on findings."""

    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="PATH",
            help="Accepted findings (a Baseline file): only findings not in it count.",
        ),
    ] = None
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline", metavar="PATH", help="Write the current findings as a Baseline file to edit and commit."
        ),
    ] = None
    baseline_days: Annotated[
        int,
        typer.Option(
            "--baseline-expiry-days", metavar="DAYS", min=1, help="Expiry of entries that --write-baseline writes."
        ),
    ] = 90


@dataclasses.dataclass(frozen=True, slots=True)
class Output:
    """What to print and where: every command. `output` is resolved to a format the command renders."""

    output: Annotated[str | None, typer.Option("-o", "--output", metavar="FORMAT", help="{formats}")] = None
    output_file: Annotated[
        Path | None,
        typer.Option("--output-file", metavar="PATH", help="Write the output here instead of stdout."),
    ] = None

    @property
    def format(self) -> str:
        assert self.output is not None, "command() resolves the format before the command runs"
        return self.output


class PlaceholderArgument(TyperArgument):
    """An argument shown by its placeholder (PATH…), not by its Python type (<list[str]>)."""

    def _name(self) -> str:
        return self.display_name_raw + ("…" if self.nargs != 1 else "")

    def display_type_rich(self, ctx: Any) -> str | None:  # typer vendors click: its Context type is private
        return None

    def _rich_display_name(self) -> str:
        return self._name()

    def _usage_display_name(self) -> str:
        return self._name() if self.required else f"[{self._name()}]"


class Command(TyperCommand):
    """A command whose arguments show their placeholders; options do already, by their metavar."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = PlaceholderArgument


GROUPS = (KubeAccess, ClusterAccess, ScanSettings, Gate, BaselineFiles, Output)


def _format_help(kind: Kind, default: str | None) -> str:
    listed = ", ".join(formats(kind))
    fallback = f"default: {default}" if default else "required"
    return f"Output format: {listed} ({fallback}, unless --output-file's suffix names one)."


def _group_params(group: type[Any], help_values: dict[str, str]) -> list[inspect.Parameter]:
    hints = typing.get_type_hints(group, include_extras=True)
    params = []
    for f in dataclasses.fields(group):
        annotation = hints[f.name]
        base, info = typing.get_args(annotation)
        info = copy(info)
        if info.help:
            info.help = info.help.format(**help_values)
        params.append(
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=Annotated[base, info]
            )
        )
    return params


def _check_destinations(values: Any) -> None:
    """Files the command will write are checked before any work: a typo costs a second, not a scan."""
    targets = []
    if isinstance(values, Output) and values.output_file is not None:
        targets.append((values.output_file, "output"))
    if isinstance(values, BaselineFiles) and values.write_baseline is not None:
        targets.append((values.write_baseline, "baseline"))
    for path, what in targets:
        try:
            check_file_destination(path, what)
        except DestinationError as exc:
            raise fail(str(exc)) from None


def render_kind(callback: Any) -> Kind | None:
    """The document kind a command registered by `command` renders, from its click callback."""
    kind = getattr(callback, "render_kind", None)
    return kind if isinstance(kind, Kind) else None


def command(kind: Kind, register: Callable[[Any], Any], default_format: str | None = "table") -> Callable[[F], F]:
    """Register `func` through `register` (app.command(), a callback) with its option groups spread out,
    and -o checked against `kind`'s formats."""
    help_values = {"formats": _format_help(kind, default_format)}

    def spread_groups(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        params: list[inspect.Parameter] = []
        groups: dict[str, type[Any]] = {}
        for p in signature.parameters.values():
            if p.annotation in GROUPS:
                groups[p.name] = p.annotation
                params += _group_params(p.annotation, help_values)
            else:
                params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY))

        @functools.wraps(func)
        def spread(**kwargs: Any) -> Any:
            for name, group in groups.items():
                values = group(**{f.name: kwargs.pop(f.name) for f in dataclasses.fields(group)})
                if isinstance(values, Output):
                    try:
                        chosen = choose_format(kind, values.output, values.output_file, default_format)
                    except UnknownFormat as exc:
                        raise typer.BadParameter(str(exc), param_hint="-o/--output") from None
                    values = dataclasses.replace(values, output=chosen)
                _check_destinations(values)
                kwargs[name] = values
            return func(**kwargs)

        spread.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        spread.render_kind = kind  # type: ignore[attr-defined]  # for docs/cli.md and the format tests
        spread.__annotations__ = {}  # typer reads the options from the signature above
        register(spread)
        return func

    return spread_groups
