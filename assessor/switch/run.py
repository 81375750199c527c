"""Run a switch test: baseline, command, cool-down (or a fixed duration), with load and watches."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from assessor import __version__
from assessor.redact import redact_argv, redact_text
from assessor.switch.analysis import Thresholds, analyse_file, iso
from assessor.switch.events import Event, LogEventParser
from assessor.switch.http import Target
from assessor.switch.pacer import Pacer, RequestRecord, Sampler
from assessor.switch.record import JsonlWriter, read_jsonl


@dataclass(slots=True)
class SwitchOptions:
    urls: list[str]
    rate: float
    out_dir: Path
    duration: float = 600.0
    warmup: float = 30.0  # load before the command starts: the "baseline" phase of the summary
    cooldown: float = 30.0
    samplers: tuple[str, ...] = ("new", "keepalive")
    timeout: float = 5.0
    max_in_flight: int = 1000
    command: list[str] = field(default_factory=list)
    command_timeout: float = 7200.0
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(slots=True)
class LiveView:
    """What the terminal shows while the test runs; updated by the run, drawn by the CLI."""

    phase: str = "starting"
    started: float = field(default_factory=time.monotonic)
    ok: int = 0
    ko: int = 0
    sent: int = 0
    failing_since: float | None = None
    current_errors: int = 0
    last_failure: float = 0.0
    lines: list[str] = field(default_factory=list)

    def record(self, r: RequestRecord) -> None:
        if r.error_class == "dropped":
            return
        self.sent += 1
        if r.ok:
            self.ok += 1
            if self.failing_since is not None and time.time() - self.last_failure > 2:
                self.failing_since, self.current_errors = None, 0
        else:
            self.ko += 1
            self.current_errors += 1
            self.last_failure = time.time()
            if self.failing_since is None:
                self.failing_since = r.sent


async def _pump_command(
    command: list[str], log: TextIO, parser: LogEventParser, echo: Callable[[str], None], timeout: float
) -> int:
    proc = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True
    )
    assert proc.stdout is not None

    async def read() -> None:
        assert proc.stdout is not None
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                break
            # The command's output goes to command.log, the terminal and events: never a password it printed.
            line = redact_text(raw.decode("utf-8", errors="replace").rstrip("\n"))
            log.write(f"{iso(time.time())} {line}\n")
            log.flush()
            echo(line)
            parser.feed(line)

    reader = asyncio.create_task(read())
    try:
        await asyncio.wait_for(proc.wait(), timeout)
        # A child the command left running may hold the pipe open: do not wait for its EOF.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(reader), 2.0)
        reader.cancel()
    except (TimeoutError, asyncio.CancelledError):
        reader.cancel()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError, TimeoutError):
            await asyncio.wait_for(proc.wait(), 10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc.returncode if proc.returncode is not None else -1


def resolve_command(command: list[str]) -> str | None:
    """Why the command cannot start (None if it can): checked before the warm-up, not after it."""
    name = command[0]
    if "/" in name:
        path = Path(name)
        if not path.is_file():
            return f"{name}: no such file"
        return None if os.access(path, os.X_OK) else f"{name}: not executable"
    return None if shutil.which(name) else f"{name}: command not found"


class _Interrupts:
    """SIGINT and SIGTERM (Ctrl-C, a CI cancel, `timeout`) end the run the same way: the task is
    cancelled once, the command's process group is stopped, and the summary still gets written."""

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        self.task = task
        self.received: str | None = None
        self._installed: list[signal.Signals] = []

    def __enter__(self) -> _Interrupts:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread (an embedding caller): its own handling applies
            self._installed.append(sig)
        return self

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.received is None and self.task is not None:
            self.received = sig.name
            self.task.cancel()

    def __exit__(self, *_exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._installed:
            loop.remove_signal_handler(sig)


async def run_switch(
    opts: SwitchOptions,
    view: LiveView | None = None,
    echo: Callable[[str], None] = lambda _line: None,
    watcher_factory: Callable[[Callable[[Event], None]], Any] | None = None,
) -> dict[str, Any]:
    """Runs the test and returns the summary; files land in opts.out_dir as they happen.

    The record files are started afresh: the caller decides whether an existing --out may be reused.
    """
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    view = view or LiveView()
    requests = JsonlWriter(opts.out_dir / "requests.jsonl")
    events = JsonlWriter(opts.out_dir / "events.jsonl")

    def on_request(r: RequestRecord) -> None:
        requests.put(r.to_dict())
        view.record(r)

    def on_event(e: Event) -> None:
        events.put(e.to_dict())

    samplers = [Sampler(name, Target.parse(url), opts.timeout) for url in opts.urls for name in opts.samplers]
    run_id = uuid.uuid4().hex[:8]
    pacer = Pacer(samplers, opts.rate, on_request, opts.max_in_flight, run_id)
    stop = asyncio.Event()
    phases: dict[str, dict[str, float]] = {}
    exit_code: int | None = None
    command_error = resolve_command(opts.command) if opts.command else None
    timed_out = False
    interrupted = False
    started = time.time()

    def enter(name: str) -> None:
        now = time.time()
        if pacer.phase in phases:
            phases[pacer.phase]["end"] = now
        pacer.phase = view.phase = name
        phases[name] = {"start": now, "end": now}

    limit = opts.warmup + opts.command_timeout + opts.cooldown + 60 if opts.command else opts.duration
    watcher = watcher_factory(on_event) if watcher_factory and command_error is None else None
    if watcher is not None:
        watcher.start()
    if command_error is not None:
        limit = 0  # nothing to measure: no load at all
    load = asyncio.create_task(pacer.run(limit, stop))
    with _Interrupts(asyncio.current_task()) as interrupts:
        try:
            if opts.command and command_error is None:
                enter("baseline")
                await asyncio.sleep(opts.warmup)
                enter("command")
                with (opts.out_dir / "command.log").open("w", encoding="utf-8") as log:
                    parser = LogEventParser(on_event, time.time)
                    try:
                        exit_code = await _pump_command(opts.command, log, parser, echo, opts.command_timeout)
                    except TimeoutError:
                        timed_out = True
                    except OSError as exc:  # found, then not startable (a race, a bad interpreter line)
                        command_error = f"{opts.command[0]}: {exc.strerror or exc}"
                if command_error is None:
                    enter("cooldown")
                    await asyncio.sleep(opts.cooldown)
                stop.set()
            elif not opts.command:
                enter("run")
            await load
        except (asyncio.CancelledError, KeyboardInterrupt):
            interrupted = True
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # handled here: the awaits below must not see it again
            stop.set()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(load, opts.timeout + 5)
        finally:
            if pacer.phase in phases:
                phases[pacer.phase]["end"] = time.time()
            if watcher is not None:
                watcher.stop()
            requests.close()
            events.close()
    run = {
        "tool": {"name": "assessor", "version": __version__},
        "urls": [redact_text(u) for u in opts.urls],
        "rate": opts.rate,
        "samplers": list(opts.samplers),
        "timeoutSeconds": opts.timeout,
        "started": iso(started),
        "ended": iso(time.time()),
        "command": redact_argv(opts.command) or None,
        "commandExitCode": exit_code,
        "commandError": command_error,
        "commandTimedOut": timed_out,
        "interrupted": interrupted,
        "signal": interrupts.received,
        "runId": run_id,
        "watcherErrors": list(getattr(watcher, "errors", []) or [])[:20],
    }
    return analyse_file(
        opts.out_dir / "requests.jsonl",
        read_jsonl(opts.out_dir / "events.jsonl"),
        opts.rate,
        phases,
        opts.thresholds,
        run,
        timeout=opts.timeout,
    )
