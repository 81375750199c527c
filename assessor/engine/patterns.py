"""A static check that a rule's regular expression runs in linear time in Python's `re`.

Rules match text that anyone who can create a ConfigMap or a pod controls, and Python's
`re` is a backtracking engine: `^\\s*-?\\s*x` under MULTILINE takes cubic time on a few
thousand blank lines. This check rejects, at rule load, the shapes that backtrack
super-linearly. It is conservative (it may reject a pattern that happens to be safe; rewrite
it) and it reasons over a probe alphabet (ASCII plus a few non-ASCII characters), not over
all of Unicode. The shapes, each with the rewrite that avoids it:

1. Rescan: an unbounded repeat that can run across the start of the next possible match,
   so every start position rescans the same text (`^\\s*x` under MULTILINE: `\\s` crosses
   newlines; `foo.*bar` on `foofoofoo…`). Use `[ \\t]*` within a line, a class that excludes
   the pattern's first character, or a bounded repeat (`.{0,200}`).
2. Ambiguous split: two repeats with only optional items between them that can match the
   same characters (`\\s*-?\\s*`): each split is tried. Make the middle mandatory
   (`[ \\t]*(?:-[ \\t]*)?`) or make the classes disjoint.
3. Nested repeat: an unbounded repeat inside an unbounded repeat whose iterations can
   split the same text in more than one way (`(a+)+`, `(\\s*x?)*`).

A repeat counts as unbounded when its maximum exceeds BOUNDED (a bounded repeat costs a
constant factor). tests/test_regex_linear.py measures every rule pattern on adversarial
input, so a shape this check misses still fails a test.
"""

from __future__ import annotations

import itertools
import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_p  # type: ignore[import-not-found]
from collections.abc import Callable, Iterator
from typing import Any

BOUNDED = 1000
PROBES = frozenset([chr(c) for c in range(128)] + ["é", "\xa0", "\u2028", "ß", "Ж"])
_ALL_BUT_NL = PROBES - {"\n"}


# Keys of `adjust` conditions whose value is a regular expression (engine/conditions.py).
class UnsafePattern(re.error):
    """A pattern whose matching time can grow faster than its input."""


def require_linear(pattern: str, flags: int = re.M) -> None:
    """Raise UnsafePattern naming the first super-linear shape in pattern (MULTILINE assumed)."""
    problem = unsafe_reason(pattern, flags)
    if problem is not None:
        raise UnsafePattern(problem)


def unsafe_reason(pattern: str, flags: int = re.M) -> str | None:
    try:
        tree = sre_p.parse(pattern, flags)
    except re.error as exc:
        return f"not a valid regex: {exc}"
    state = tree.state.flags | flags
    return next(_problems(list(tree), state, top=True), None)


# --- analysis over sre_parse trees ----------------------------------------------------------

Item = tuple[Any, Any]


def _is_repeat(op: Any) -> bool:
    return op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT)


def _unbounded(item: Item) -> bool:
    op, av = item
    return bool(_is_repeat(op) and (av[1] == sre_c.MAXREPEAT or av[1] > BOUNDED))


def _chars(items: list[Item], flags: int) -> frozenset[str]:
    """Every probe character some string matched by items can contain."""
    out: set[str] = set()
    for op, av in items:
        if op == sre_c.LITERAL:
            out |= _fold({chr(av)}, flags)
        elif op == sre_c.NOT_LITERAL:
            out |= PROBES - _fold({chr(av)}, flags)
        elif op == sre_c.ANY:
            out |= PROBES if flags & re.S else _ALL_BUT_NL
        elif op == sre_c.IN:
            out |= _in_set(av, flags)
        elif _is_repeat(op) or op == sre_c.POSSESSIVE_REPEAT:
            out |= _chars(list(av[2]), flags)
        elif op == sre_c.SUBPATTERN:
            out |= _chars(list(av[3]), (flags | av[1]) & ~av[2])
        elif op == sre_c.ATOMIC_GROUP:
            out |= _chars(list(av), flags)
        elif op == sre_c.BRANCH:
            for branch in av[1]:
                out |= _chars(list(branch), flags)
        elif op == sre_c.GROUPREF:
            out |= PROBES
    return frozenset(out)


def _first(items: list[Item], flags: int) -> frozenset[str]:
    """Probe characters a non-empty match of items can begin with; anchors count as a newline."""
    out: set[str] = set()
    for item in items:
        op, av = item
        if op == sre_c.AT:
            if av in (sre_c.AT_BEGINNING, sre_c.AT_END) and flags & re.M:
                out.add("\n")
            elif av in (sre_c.AT_BEGINNING, sre_c.AT_BEGINNING_STRING):
                return frozenset(out)  # one start position only: nothing to rescan
            continue  # zero width: the next item may begin the match
        if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if op == sre_c.SUBPATTERN:
            sub = list(av[3])
            out |= _first(sub, (flags | av[1]) & ~av[2])
            if not _nullable(sub):
                return frozenset(out)
            continue
        if op == sre_c.BRANCH:
            for branch in av[1]:
                out |= _first(list(branch), flags)
            if not any(_nullable(list(b)) for b in av[1]):
                return frozenset(out)
            continue
        if _is_repeat(op) or op == sre_c.POSSESSIVE_REPEAT:
            out |= _first(list(av[2]), flags)
            if av[0] > 0 and not _nullable(list(av[2])):
                return frozenset(out)
            continue
        out |= _chars([item], flags)
        return frozenset(out)
    return frozenset(out)


def _nullable(items: list[Item]) -> bool:
    for op, av in items:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if _is_repeat(op) or op == sre_c.POSSESSIVE_REPEAT:
            if av[0] == 0 or _nullable(list(av[2])):
                continue
            return False
        if op == sre_c.SUBPATTERN:
            if _nullable(list(av[3])):
                continue
            return False
        if op == sre_c.BRANCH:
            if any(_nullable(list(b)) for b in av[1]):
                continue
            return False
        return False
    return True


def _variable(item: Item) -> bool:
    op, av = item
    return bool((_is_repeat(op) and av[0] != av[1]) or op == sre_c.BRANCH)


def _problems(items: list[Item], flags: int, top: bool) -> Iterator[str]:
    # A top-level alternation is several patterns: each branch is checked on its own.
    if len(items) == 1 and items[0][0] == sre_c.BRANCH:
        for branch in items[0][1][1]:
            yield from _problems(list(branch), flags, top)
        return
    for index, item in enumerate(items):
        if _has_unbounded([item]) and index < len(items) - 1:
            before = items[:index]
            lead = _first(before, flags) if before else PROBES
            reach = _first([item], flags) & lead
            if top and reach and _chars(before, flags) <= _chars([item], flags):
                yield "an unbounded repeat can run across the next match's start (rescan: quadratic)"
        yield from _nested(item, flags)
        yield from _split(items, index, flags)


def _split(items: list[Item], index: int, flags: int) -> Iterator[str]:
    """Ambiguous split: items[index] and a later repeat with only nullable items between."""
    first = items[index]
    if not _is_repeat(first[0]) or first[1][0] == first[1][1]:
        return
    mine = _tail(first, flags)
    for later in items[index + 1 :]:
        if _variable(later) and (_unbounded(first) or _has_unbounded([later])) and mine & _first([later], flags):
            yield "two repeats with only optional items between them match the same characters (ambiguous split)"
            return
        if not _nullable([later]):
            return


def _tail(item: Item, flags: int) -> frozenset[str]:
    """Characters with which a repeat that has matched something can go on matching."""
    body = list(item[1][2])
    if len(body) == 1 and body[0][0] == sre_c.SUBPATTERN:
        sub = body[0][1]
        body, flags = list(sub[3]), (flags | sub[1]) & ~sub[2]
    if len(body) == 1 and body[0][0] != sre_c.BRANCH:
        return _chars(body, flags)
    out = set(_first(body, flags))
    for last in reversed(body):
        if _variable(last):
            out |= _chars([last], flags)
        if not _nullable([last]):
            break
    return frozenset(out)


def _nested(item: Item, flags: int) -> Iterator[str]:
    op, av = item
    if op == sre_c.SUBPATTERN:
        yield from _inner(list(av[3]), (flags | av[1]) & ~av[2])
    elif op == sre_c.BRANCH:
        for branch in av[1]:
            yield from _inner(list(branch), flags)
    elif _is_repeat(op):
        body = list(av[2])
        if _unbounded(item) and _has_unbounded(body) and not _delimited(body, flags):
            yield "an unbounded repeat inside an unbounded repeat can split its text many ways (nested)"
        yield from _inner(body, flags)


def _inner(items: list[Item], flags: int) -> Iterator[str]:
    for index, item in enumerate(items):
        yield from _nested(item, flags)
        yield from _split(items, index, flags)


def _has_unbounded(items: list[Item]) -> bool:
    for op, av in items:
        if _unbounded((op, av)):
            return True
        if _is_repeat(op) and _has_unbounded(list(av[2])):
            return True
        if op == sre_c.SUBPATTERN and _has_unbounded(list(av[3])):
            return True
        if op == sre_c.BRANCH and any(_has_unbounded(list(b)) for b in av[1]):
            return True
    return False


def _delimited(body: list[Item], flags: int) -> bool:
    """Whether each boundary inside and between iterations is fixed: neighbours' classes are disjoint."""
    if len(body) == 1 and body[0][0] == sre_c.SUBPATTERN:
        sub = body[0][1]
        return _delimited(list(sub[3]), (flags | sub[1]) & ~sub[2])
    if not body or _nullable(body) or any(op in (sre_c.BRANCH, sre_c.SUBPATTERN) for op, _ in body):
        return False
    for left, right in itertools.pairwise(body):
        if _variable(left) and _chars([left], flags) & _first([right], flags):
            return False
    last = body[-1]
    return not (_variable(last) and _chars([last], flags) & _first(body, flags))


def _in_set(av: list[Item], flags: int) -> set[str]:
    member: set[str] = set()
    negate = False
    for op, value in av:
        if op == sre_c.NEGATE:
            negate = True
        elif op == sre_c.LITERAL:
            member |= _fold({chr(value)}, flags)
        elif op == sre_c.RANGE:
            lo, hi = value
            member |= _fold({c for c in PROBES if lo <= ord(c) <= hi}, flags)
        elif op == sre_c.CATEGORY:
            member |= _category(value)
        else:  # RANGE_UNI_IGNORE, BIGCHARSET, CHARSET after optimisation: assume anything
            member |= PROBES
    return set(PROBES - member) if negate else member


_CATEGORY_TESTS: dict[str, Callable[[str], bool]] = {
    "CATEGORY_SPACE": lambda c: c.isspace(),
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_DIGIT": lambda c: c.isdigit(),
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
    "CATEGORY_LINEBREAK": lambda c: c == "\n",
    "CATEGORY_NOT_LINEBREAK": lambda c: c != "\n",
}


def _category(category: Any) -> set[str]:
    test = _CATEGORY_TESTS.get(str(category))
    return set(PROBES) if test is None else {c for c in PROBES if test(c)}


def _fold(chars: set[str], flags: int) -> set[str]:
    if not flags & re.I:
        return chars
    return {v for c in chars for v in (c, c.lower(), c.upper()) if len(v) == 1}
