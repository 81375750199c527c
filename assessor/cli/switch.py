"""`assess switch`: the load test around the runtime switch; the work happens in assessor.switch."""

from __future__ import annotations

import datetime as dt
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from assessor.cli.app import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, app, fail, stderr
from assessor.cli.common import emit
from assessor.cli.options import Command, Duration, KubeAccess, Output, command, duration
from assessor.render.options import RenderOptions
from assessor.render.registry import Kind


@command(Kind.switch, app.command(cls=Command, context_settings={"allow_interspersed_args": False}))
def switch(
    url: Annotated[list[str], typer.Option("--url", metavar="URL", help="URL to send requests to (repeatable).")],
    access: KubeAccess,
    out: Output,
    command: Annotated[
        list[str] | None,
        typer.Argument(metavar="COMMAND", help="The switch command, after --, e.g. -- rke up --config cluster.yml"),
    ] = None,
    rate: Annotated[
        float,
        typer.Option(
            "--rate",
            metavar="PER_SECOND",
            min=0.1,
            max=10000,
            help="Requests per second, per URL and sampler; the total (rate × URLs × samplers) may not exceed "
            "10000 per second.",
        ),
    ] = 5.0,
    run_for: Annotated[str, Duration("--duration", "Length of a run without a command, e.g. 10m.")] = "10m",
    warmup: Annotated[str, Duration("--warmup", "Load before the command starts.")] = "30s",
    cooldown: Annotated[str, Duration("--cooldown", "Load after the command ends.")] = "30s",
    samplers: Annotated[
        str, typer.Option("--samplers", metavar="SAMPLERS", help="new, keepalive, or both (new,keepalive).")
    ] = "new,keepalive",
    timeout: Annotated[str, Duration("--timeout", "Per-request timeout.")] = "5s",
    max_in_flight: Annotated[
        int,
        typer.Option("--max-in-flight", metavar="N", min=1, help="Requests in flight before new ones are dropped."),
    ] = 1000,
    command_timeout: Annotated[str, Duration("--command-timeout", "Stop the command after this long.")] = "2h",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Directory for requests.jsonl, events.jsonl, summary.json, report.html; must be new or empty "
            "(see --force). Default: assess-switch-YYYYMMDD-HHMMSS in the current directory.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Reuse a non-empty --out: the previous run's files there are deleted first."),
    ] = False,
    max_errors: Annotated[
        int, typer.Option("--max-errors", metavar="N", min=0, help="Fail above this many failed requests.")
    ] = 0,
    max_error_ratio: Annotated[
        float | None,
        typer.Option("--max-error-ratio", metavar="RATIO", help="Fail above this share of failed requests."),
    ] = None,
    max_disrupted: Annotated[
        str | None, Duration("--max-disrupted-seconds", "Fail above this much time in intervals.")
    ] = None,
    max_interval: Annotated[str | None, Duration("--max-interval", "Fail when one interval is longer.")] = None,
    max_p99: Annotated[
        str | None, Duration("--max-p99", "Fail when latency p99 of good requests is higher, e.g. 500ms.")
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", metavar="PATH", help="Also write a JUnit XML report here.")
    ] = None,
) -> None:
    """Send constant-rate requests while the switch runs; line every failure up with cluster events; verdict."""
    import asyncio

    from assessor.render.switch_artifacts import write_artifacts
    from assessor.switch.analysis import Thresholds
    from assessor.switch.http import Target
    from assessor.switch.pacer import MAX_TOTAL_RATE, SAMPLERS
    from assessor.switch.run import LiveView, SwitchOptions, run_switch

    chosen = tuple(s.strip() for s in samplers.split(",") if s.strip())
    if not chosen or any(s not in SAMPLERS for s in chosen):
        raise typer.BadParameter(f"use {', '.join(SAMPLERS)} or both", param_hint="--samplers")
    for u in url:
        try:
            Target.parse(u)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--url") from None
    if max_error_ratio is not None and not 0 <= max_error_ratio <= 1:  # also refuses nan, which compares false
        raise typer.BadParameter("a share from 0 to 1, e.g. 0.01", param_hint="--max-error-ratio")
    total = rate * len(url) * len(chosen)
    if total > MAX_TOTAL_RATE:
        raise typer.BadParameter(
            f"{rate:g}/s × {len(url)} URL(s) × {len(chosen)} sampler(s) = {total:g} requests/s; the total may not "
            f"exceed {MAX_TOTAL_RATE:g}/s",
            param_hint="--rate",
        )
    p99 = duration(max_p99, "--max-p99")
    thresholds = Thresholds(
        max_errors=max_errors,
        max_error_ratio=max_error_ratio,
        max_disrupted_seconds=duration(max_disrupted, "--max-disrupted-seconds"),
        max_interval=duration(max_interval, "--max-interval"),
        max_p99_ms=p99 * 1000 if p99 is not None else None,
    )
    folder = out_dir or Path(f"assess-switch-{dt.datetime.now():%Y%m%d-%H%M%S}")
    prepare_out(folder, force, junit)
    opts = SwitchOptions(
        urls=list(url),
        rate=rate,
        out_dir=folder,
        duration=duration(run_for, "--duration") or 0,
        warmup=duration(warmup, "--warmup") or 0,
        cooldown=duration(cooldown, "--cooldown") or 0,
        samplers=chosen,
        timeout=duration(timeout, "--timeout") or 0,
        max_in_flight=max_in_flight,
        command=list(command or []),
        command_timeout=duration(command_timeout, "--command-timeout") or 0,
        thresholds=thresholds,
    )
    watcher_factory = _watcher_factory(access)
    summary = asyncio.run(_switch_with_progress(opts, LiveView(), watcher_factory, run_switch))
    try:
        write_artifacts(folder, summary, junit)
    except OSError as exc:
        raise fail(f"{folder}: cannot write the results: {exc.strerror or exc}") from None
    emit(out, Kind.switch, summary, RenderOptions(artifacts=str(folder)))
    run = summary["run"]
    if run.get("commandError"):
        stderr.print(f"error: {run['commandError']}; nothing was measured (summary in {folder})", markup=False)
    if run.get("signal"):
        # what a shell expects of a process stopped by a signal: 130 for SIGINT, 143 for SIGTERM
        raise typer.Exit(128 + int(getattr(signal, run["signal"])))
    result = summary["verdict"]["result"]
    raise typer.Exit({"pass": EXIT_OK, "fail": EXIT_FINDINGS}.get(result, EXIT_INCOMPLETE))


def prepare_out(folder: Path, force: bool, junit: Path | None) -> None:
    """Every destination checked before the run: a run must not end in a traceback, or in old records."""
    from assessor.render.switch_artifacts import RUN_FILES

    if folder.exists() and not folder.is_dir():
        raise fail(f"{folder}: --out must be a directory, and this is a file")
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise fail(f"{folder}: not empty (a previous run?); choose a new --out, or --force to replace its files")
        for name in RUN_FILES:
            try:
                (folder / name).unlink(missing_ok=True)
            except OSError as exc:
                raise fail(f"{folder / name}: cannot remove the previous run's file: {exc.strerror or exc}") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"{folder}: cannot create --out: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise fail(f"{folder}: --out is not writable")
    if junit is not None:
        if junit.is_dir():
            raise fail(f"{junit}: --junit names a directory; give a file name")
        if not junit.parent.is_dir():
            raise fail(f"{junit}: --junit folder {junit.parent} does not exist")
        if not os.access(junit.parent, os.W_OK | os.X_OK):
            raise fail(f"{junit}: --junit folder {junit.parent} is not writable")


def _watcher_factory(access: KubeAccess) -> Any:
    """A factory of cluster event watchers when a cluster is named, else None (the test runs without events)."""
    if not (access.kubeconfig or access.context):
        return None
    from assessor.sources.live import LiveCluster, LiveError, LiveOptions
    from assessor.switch.watch import ClusterWatcher

    options = LiveOptions(
        kubeconfig=access.kubeconfig,
        context=access.context,
        request_timeout=duration(access.request_timeout, "--request-timeout") or 0,
    )
    try:
        live = LiveCluster(options)
    except LiveError as exc:
        raise fail(str(exc)) from None

    def factory(sink: Any) -> Any:
        return ClusterWatcher(live, sink)

    return factory


async def _switch_with_progress(opts: Any, view: Any, watcher_factory: Any, run_switch: Any) -> Any:
    """Run the test; on a terminal, redraw a status line every half second and show the command's output."""
    import asyncio
    import time as _time

    from rich.live import Live
    from rich.text import Text

    def status() -> Text:
        elapsed = max(0.001, _time.monotonic() - view.started)
        failing = ""
        if view.failing_since is not None:
            failing = (
                f"  FAILING since {_time.strftime('%H:%M:%S', _time.localtime(view.failing_since))} "
                f"({view.current_errors} errors)"
            )
        return Text(
            f"{view.phase:<9} {elapsed:6.0f} s  sent {view.sent} ({view.sent / elapsed:.1f}/s)  "
            f"OK {view.ok}  KO {view.ko}{failing}",
            style="bold red" if failing else "bold",
        )

    if not stderr.is_terminal:
        return await run_switch(
            opts,
            view,
            echo=lambda line: stderr.print(line, markup=False, highlight=False),
            watcher_factory=watcher_factory,
        )
    with Live(status(), console=stderr, refresh_per_second=4, transient=True) as live:
        task = asyncio.create_task(
            run_switch(
                opts, view, echo=lambda line: live.console.print(line, markup=False), watcher_factory=watcher_factory
            )
        )
        while not task.done():
            live.update(status())
            await asyncio.sleep(0.5)
        return await task
