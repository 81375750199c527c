"""`assess switch`: the load test around the runtime switch; the work happens in assessor.switch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from assessor.atomicwrite import DestinationError, check_dir_destination, check_file_destination
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
            "--rate", metavar="PER_SECOND", min=0.1, max=10000, help="Requests per second, per URL and sampler."
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
            "--out", metavar="DIR", help="Directory for requests.jsonl, events.jsonl, summary.json, report.html."
        ),
    ] = None,
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
    from assessor.switch.pacer import SAMPLERS
    from assessor.switch.run import LiveView, SwitchOptions, run_switch

    chosen = tuple(s.strip() for s in samplers.split(",") if s.strip())
    if not chosen or any(s not in SAMPLERS for s in chosen):
        raise typer.BadParameter(f"use {', '.join(SAMPLERS)} or both", param_hint="--samplers")
    for u in url:
        try:
            Target.parse(u)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--url") from None
    p99 = duration(max_p99, "--max-p99")
    thresholds = Thresholds(
        max_errors=max_errors,
        max_error_ratio=max_error_ratio,
        max_disrupted_seconds=duration(max_disrupted, "--max-disrupted-seconds"),
        max_interval=duration(max_interval, "--max-interval"),
        max_p99_ms=p99 * 1000 if p99 is not None else None,
    )
    folder = out_dir or Path(f"assess-switch-{dt.datetime.now():%Y%m%d-%H%M%S}")
    try:  # before the test: minutes of load must not end in a traceback about a folder
        check_dir_destination(folder, "results")
        if junit is not None and junit.parent.resolve() != folder.resolve():  # the run makes --out itself
            check_file_destination(junit, "JUnit report")
    except DestinationError as exc:
        raise fail(str(exc)) from None
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
    result = summary["verdict"]["result"]
    raise typer.Exit({"pass": EXIT_OK, "fail": EXIT_FINDINGS}.get(result, EXIT_INCOMPLETE))


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
