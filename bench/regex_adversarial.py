"""Every rule regex against adversarial input: worst time per pattern and how it grows.

    python bench/regex_adversarial.py [--n 20000] [--top 15] [--engine re|re2]

For each pattern of each rule (match parameters and `adjust` conditions) and each adversarial
family (blank lines, whitespace runs, repeated near-matches built from the pattern's own
words), it times one search at n and 2n characters and prints the worst time and the growth
ratio (time at 2n / time at n: about 2 is linear, 4 quadratic, 8 cubic). Times are CPU
time of this thread, and ratios are taken within one run, so a busy machine does not skew them.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assessor.catalog import CATALOG, bundled_rules
from assessor.engine.rules import Rule
from assessor.engine.schema import REGEX_MAP, ParamType

MIN_SECONDS = 0.002  # repeat a search until this much time has passed, so timer noise does not dominate


@dataclass(frozen=True, slots=True)
class Case:
    rule: str
    where: str
    pattern: str


def _regex_values(ptype: ParamType, value: Any) -> list[str]:
    """The regexes in a value of a declared type: a regex, or a mapping of names to regexes."""
    if ptype.name.startswith("regex") and isinstance(value, str):
        return [value]
    if ptype is REGEX_MAP and isinstance(value, dict):
        return [str(v) for v in value.values()]
    return []


def _when_patterns(when: Any, where: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    items = when if isinstance(when, list) else [when]
    for item in items:
        for key, value in item.items() if isinstance(item, dict) else ():
            if key in ("not", "any"):
                out += _when_patterns(value, where)
            elif key in CATALOG.conditions:
                out += [(f"{where}.{key}", p) for p in _regex_values(CATALOG.conditions[key].type, value)]
    return out


def rule_patterns(rule: Rule) -> list[tuple[str, str]]:
    """(where, pattern) for every regex of a rule, found by the types its template and conditions declare."""
    out: list[tuple[str, str]] = []
    declared = {p.name: p.type for p in rule.impl.params} if rule.impl is not None else {}
    for key, value in rule.params.items():
        if key in declared:
            out += [(key, p) for p in _regex_values(declared[key], value)]
    for index, adjust in enumerate(rule.adjust):
        out += _when_patterns(adjust.when, f"adjust[{index}]")
    return out


def rule_cases() -> list[Case]:
    return [Case(rule.id, where, p) for rule in bundled_rules() for where, p in rule_patterns(rule)]


def _words(pattern: str) -> list[str]:
    """Literal fragments of a pattern (`docker`, `type:`, `twistlock`): the stuff of near-matches."""
    unescaped = re.sub(r"\\([^A-Za-z0-9])", r"\1", re.sub(r"\\[A-Za-z]", " ", pattern))
    words = re.findall(r"[A-Za-z_@][A-Za-z0-9_.:/=-]{2,}", unescaped)
    return sorted(set(words))[:6] or ["docker"]


def families(pattern: str) -> Iterator[tuple[str, Callable[[int], str]]]:
    """(name, make) pairs: make(n) returns an adversarial string of about n characters."""
    yield "blank lines", lambda n: "\n" * n
    yield "spaces", lambda n: " " * n
    yield "space-newline", lambda n: " \n" * (n // 2)
    yield "tabs-dashes", lambda n: "- \t" * (n // 3)
    yield "spaces then x", lambda n: " " * (n - 1) + "x"
    for word in _words(pattern):
        yield f"'{word} '*k", _repeat(f"{word} ")
        yield f"'{word}\\n'*k", _repeat(f"{word}\n")
        yield f"'{word}'*k", _repeat(word)
        yield f"'{word}'+spaces", _padded(word)
        yield f"'- {word}:' lines", _repeat(f"  - {word}:  \n")


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: unit * max(1, n // len(unit))


def _padded(word: str) -> Callable[[int], str]:
    return lambda n: word + " " * max(0, n - len(word))


def search_seconds(compiled: Any, text: str, reps: int) -> float:
    """Best of three timings of `reps` searches, in this thread's CPU time.

    CPU time, not wall time: on a shared machine the wall clock counts the time other
    processes ran, which would make a linear pattern look steep at random.
    """
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for _ in range(reps):
            compiled.search(text)
        best = min(best, time.thread_time() - start)
    return best / reps


def calibrate(compiled: Any, text: str) -> int:
    """How many searches at this size take MIN_SECONDS (at least one)."""
    start = time.thread_time()
    compiled.search(text)
    once = time.thread_time() - start
    return max(1, min(10_000, int(MIN_SECONDS / max(once, 1e-7))))


def growth(compiled: Any, make: Callable[[int], str], n: int, factor: int) -> tuple[float, float]:
    """(seconds at n*factor, ratio to seconds at n), with the repetition count fixed at size n."""
    small, large = make(n), make(n * factor)
    reps = calibrate(compiled, small)
    t_small = search_seconds(compiled, small, reps)
    t_large = search_seconds(compiled, large, max(1, reps // factor))
    return t_large, t_large / max(t_small, 1e-9)


def compile_for(engine: str, pattern: str) -> Any:
    if engine == "re2":
        import re2  # type: ignore[import-not-found]  # measured only; not a dependency

        options = re2.Options()
        options.never_nl = False
        return re2.compile("(?m)" + pattern, options)
    return re.compile(pattern, re.M)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="input size in characters (default 20000)")
    parser.add_argument("--top", type=int, default=15, help="rows to print, worst first")
    parser.add_argument("--engine", choices=("re", "re2"), default="re")
    args = parser.parse_args(argv)
    rows: list[tuple[float, float, str, str, str]] = []
    skipped: list[str] = []
    for case in rule_cases():
        try:
            compiled = compile_for(args.engine, case.pattern)
        except Exception as exc:  # re2 rejects look-arounds; report, do not stop
            skipped.append(f"{case.rule} {case.where}: {exc}")
            continue
        worst = (0.0, 0.0, "")
        for name, make in families(case.pattern):
            seconds, ratio = growth(compiled, make, args.n, 2)
            if seconds > worst[0]:
                worst = (seconds, ratio, name)
        rows.append((worst[0], worst[1], case.rule, case.where, worst[2]))
    rows.sort(reverse=True)
    print(f"{len(rows)} patterns, engine {args.engine}, n={args.n} characters; worst input per pattern at 2n")
    print(f"{'cpu s @2n':>11} {'2n/n':>6}  rule     where                 input")
    for seconds, ratio, rule, where, name in rows[: args.top]:
        print(f"{seconds:11.6f} {ratio:6.2f}  {rule:8} {where[:21]:21} {name}")
    worst_ratio = max((r[1] for r in rows), default=0.0)
    print(f"total of worst times: {sum(r[0] for r in rows):.4f} s; highest growth ratio: {worst_ratio:.2f}")
    for line in skipped:
        print(f"skipped (engine cannot compile): {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
