"""Read YAML/JSON text into documents, each with its first line, defending against hostile input.

A multi-document file is split on `---` lines before parsing, so one broken
document costs only itself, and each document knows its line and, for
`helm template` output, the template it was rendered from (`# Source:`).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from assessor.model.origin import Locator
from assessor.model.problems import Problems
from assessor.model.yamlloader import TrackingLoader


def _optional_msgspec() -> Any:
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec


_msgspec: Any = _optional_msgspec()  # a dependency; the stdlib reads what it declines: see json_loads

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# An expanded document bigger than this many nodes is an alias bomb, not a manifest:
# the largest real objects (CRDs with full OpenAPI schemas) stay far below.
MAX_EXPANDED_NODES = 2_000_000

# finds the first non-blank character without copying a file of hundreds of MiB, as strip() would
_NON_SPACE = re.compile(r"\S")
_NON_SPACE_BYTE = re.compile(rb"\S")
_DOC_START = re.compile(r"^---(?:[ \t].*)?$")
_DOC_END = re.compile(r"^\.\.\.[ \t]*$")
# Linear on hostile text (docs/security.md): no lazy repeat before `\s*$`, no `\s` across lines.
_HELM_SOURCE = re.compile(r"^#[ \t]*Source:[ \t]*(\S.*)$")  # matched against a stripped line
_HELM_SOURCE_LINE = re.compile(r"^[ \t]*#[ \t]*Source:[ \t]*(\S[^\n]*)", re.M)  # group(1) is rstripped


@dataclass(slots=True)
class Document:
    data: Any
    line: int  # 1-based line where the document's content starts
    index: int  # position in the file, 0-based
    helm_source: str | None
    locator: Locator | None
    item_lines: list[int] | None = None  # for `kind: List`: line of each item


def oversize_message(size: int, max_bytes: int) -> str:
    return f"file is {size / 1048576:.1f} MiB, over the {max_bytes / 1048576:g} MiB limit (--max-file-size); skipped"


def read_text(raw: bytes, name: str, problems: Problems, max_bytes: int | None) -> str | None:
    """Bytes to text, or None with a one-line problem for binary, oversize or non-UTF-8 input."""
    if max_bytes is not None and len(raw) > max_bytes:
        problems.error(name, oversize_message(len(raw), max_bytes))
        return None
    encoding = _utf16(raw)
    if encoding is None and b"\x00" in raw[:8192]:
        problems.error(name, "binary file (NUL bytes), not YAML or JSON; skipped")
        return None
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(name, f"not {'UTF-16' if encoding else 'UTF-8'} text (byte {exc.start}); skipped")
        return None
    if _NON_SPACE.search(text) is None:
        problems.note(name, "empty file, nothing to scan")
        return None
    return text


def _utf16(raw: bytes) -> str | None:
    """`utf-16` for text with a UTF-16 byte order mark (what PowerShell 5's `>` writes), or for
    BOM-less UTF-16 whose first characters are ASCII (every other byte NUL); else None."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = raw[:512]
    if len(head) >= 4 and len(head) % 2 == 0:
        if all(b == 0 for b in head[1::2]) and all(b != 0 for b in head[0::2]):
            return "utf-16-le"
        if all(b == 0 for b in head[0::2]) and all(b != 0 for b in head[1::2]):
            return "utf-16-be"
    return None


def parse_documents(text: str, name: str, problems: Problems, *, locate: bool = True) -> Iterator[Document]:
    first = _NON_SPACE.search(text)
    if first is not None and first.group() in ("{", "["):
        doc = _parse_json(text, name, problems, locate)
        if doc is not None:
            yield doc
        return
    whole = _parse_whole(text, name, problems, locate) if "&" not in text else None
    if whole is not None:
        yield from whole
        return
    for index, (first_line, chunk, helm_source) in enumerate(_split(text)):
        doc = _parse_yaml_chunk(chunk, first_line, index, helm_source, name, problems, locate)
        if doc is not None:
            yield doc


def _parse_whole(text: str, name: str, problems: Problems, locate: bool) -> list[Document] | None:
    """The fast path: every document of a well-formed file through one parser, as yaml.load_all does.

    Any error, and any anchor (a possible alias bomb), returns None: the file then goes through the
    per-document path below, which isolates broken documents and reports them by line.
    """
    docs: list[Document] = []
    loader = TrackingLoader(text)
    try:
        nodes = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append((node, loader.construct_document(node)))
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    finally:
        loader.dispose()
    _report_duplicates(loader, 0, name, problems)
    sources = [(m.start(), m.group(1).rstrip()) for m in _HELM_SOURCE_LINE.finditer(text)] if "Source:" in text else []
    previous_end = 0
    for node, data in nodes:
        start, end = int(node.start_mark.index), int(node.end_mark.index)
        if data is None and isinstance(node, yaml.ScalarNode):
            previous_end = end
            continue  # an empty document, as `---` twice in a row makes
        line_start = text.rfind("\n", 0, start) + 1
        first_line = int(node.start_mark.line)  # 0-based, like the chunk path's
        helm_source = next((src for pos, src in sources if previous_end <= pos < line_start), None)
        docs.append(
            Document(
                data=data,
                line=first_line + 1,
                index=len(docs),
                helm_source=helm_source,
                locator=Locator(text[line_start:end], first_line + 1) if locate else None,
                item_lines=_item_lines(node, 0) if _is_list(data) else None,
            )
        )
        previous_end = end
    return docs


def _split(text: str) -> Iterator[tuple[int, str, str | None]]:
    """Yield (first line, text, helm source) for every non-empty document."""
    lines = text.splitlines(keepends=True)
    start = 0
    ended = False
    for i, line in enumerate(lines):
        bare = line.rstrip("\r\n")
        if _DOC_START.match(bare):
            if not ended:
                yield from _chunk(lines, start, i)
            start, ended = i, False
        elif _DOC_END.match(bare):
            yield from _chunk(lines, start, i)
            start, ended = i + 1, True
    yield from _chunk(lines, start, len(lines))


def _chunk(lines: list[str], start: int, end: int) -> Iterator[tuple[int, str, str | None]]:
    helm_source = None
    meaningful = False
    for line in lines[start:end]:
        bare = line.strip()
        if not bare or bare == "---" or bare.startswith("--- #"):
            continue
        if bare.startswith("#"):
            match = _HELM_SOURCE.match(bare)
            if match and helm_source is None:
                helm_source = match.group(1)
            continue
        meaningful = True
        break
    if meaningful:
        yield start, "".join(lines[start:end]), helm_source


def _parse_yaml_chunk(
    chunk: str,
    first_line: int,
    index: int,
    helm_source: str | None,
    name: str,
    problems: Problems,
    locate: bool,
) -> Document | None:
    loader = TrackingLoader(chunk)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed bracket, a key
        # without its colon), which is what a person needs; the problem mark can be far below.
        mark = exc.context_mark or exc.problem_mark
        line = first_line + mark.line + 1 if mark else first_line + 1
        problems.error(name, f"invalid YAML: {exc.problem or exc.context}; document skipped", line)
        return None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        problems.error(name, f"invalid YAML: {type(exc).__name__}; document skipped", first_line + 1)
        return None
    finally:
        loader.dispose()
    _report_duplicates(loader, first_line, name, problems)
    line = first_line + int(node.start_mark.line) + 1
    if "&" in chunk and not _size_ok(data):
        problems.error(
            name,
            f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); document skipped",
            line,
        )
        return None
    return Document(
        data=data,
        line=line,
        index=index,
        helm_source=helm_source,
        locator=Locator(chunk, first_line + 1) if locate else None,
        item_lines=_item_lines(node, first_line) if _is_list(data) else None,
    )


def json_loads(text: str) -> Any:
    """JSON text to Python data exactly as json.loads reads it; faster with msgspec installed.

    msgspec's decoder builds the same dicts and lists in about two thirds of the time and a tenth
    less memory on a big List. What it declines (NaN, numbers out of range, lone surrogates,
    deep nesting, invalid JSON) goes to json.loads, which decides and words the error.
    """
    if _msgspec is not None:
        try:
            return _msgspec.json.decode(text)
        except (_msgspec.MsgspecError, RecursionError):
            pass
    return json.loads(text)


def _report_duplicates(loader: TrackingLoader, first_line: int, name: str, problems: Problems) -> None:
    for line, key in loader.duplicate_keys:
        message = f"duplicate key {key!r} in a mapping: YAML keeps the later value, the earlier one is not scanned"
        problems.note(name, message, first_line + line + 1)


def json_document(raw: bytes) -> Document | None:
    """A JSON file's bytes straight to one Document with msgspec, without a text copy of the file.

    For big snapshots read without line lookups. None when msgspec is not installed or declines
    the bytes (not JSON, not UTF-8, a byte order mark, NaN, …): the caller then reads them as
    text, which finds and words every problem, and gets the same data when there is none.
    """
    if _msgspec is None:
        return None
    first = _NON_SPACE_BYTE.search(raw, 0, 4096)
    if first is None or first.group() not in (b"{", b"["):
        return None
    try:
        data = _msgspec.json.decode(raw)
    except (_msgspec.MsgspecError, RecursionError):
        return None
    return Document(data=data, line=1, index=0, helm_source=None, locator=None)


def _parse_json(text: str, name: str, problems: Problems, locate: bool) -> Document | None:
    try:
        data = json_loads(text)
    except json.JSONDecodeError as exc:
        problems.error(name, f"invalid JSON: {exc.msg}; file skipped", exc.lineno)
        return None
    except RecursionError:
        problems.error(name, "invalid JSON: nested too deeply; file skipped")
        return None
    # JSON is YAML too, so the same lazy locator finds lines for findings.
    return Document(data=data, line=1, index=0, helm_source=None, locator=Locator(text, 1) if locate else None)


def _is_list(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("items"), list) and str(data.get("kind", "")).endswith("List")


def _item_lines(node: yaml.Node, first_line: int) -> list[int] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
            return [first_line + int(item.start_mark.line) + 1 for item in value.value]
    return None


def _size_ok(data: Any) -> bool:
    """Count nodes as if every alias were expanded, visiting each shared container once."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(obj: Any) -> int:
        if not isinstance(obj, dict | list):
            return 1
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in in_progress:  # a recursive alias can never be a Kubernetes object
            raise OverflowError
        in_progress.add(key)
        children = obj.values() if isinstance(obj, dict) else obj
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise OverflowError
        in_progress.discard(key)
        sizes[key] = total
        return total

    try:
        size(data)
    except (OverflowError, RecursionError):
        return False
    return True
