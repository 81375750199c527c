"""JSON input reads the same with the optional fast decoder (msgspec) as with the standard library."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from assessor.model.problems import Problems
from assessor.sources import documents
from assessor.sources.documents import json_loads
from tests.helpers import problems_of

CASES = [
    '{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "a"}}]}',
    '{"a":1,"a":2}',  # the last duplicate wins, as in json.loads
    "123456789012345678901234567890",  # beyond 64 bits
    "[1.5, -0.0, 2.5e3, 1e-7, true, false, null]",
    '"\\u00e9t\\u00e9 \\ud83d\\ude00"',
    '"caf\u00e9"',
    '"\\ud800"',  # a lone surrogate: msgspec declines it, the stdlib reads it
    "[NaN, Infinity, -Infinity]",  # not JSON, but json.loads reads them
    "1e400",  # out of range for msgspec; inf for json.loads
    "[" * 300 + "]" * 300,
    '  {"k": [1, {"n": {}}, []]}  ',
]


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, NaN equal to NaN, and -0.0 not 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return bool(a == b)


@pytest.fixture(params=["fast", "stdlib"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fast":
        pytest.importorskip("msgspec")
    else:
        monkeypatch.setattr(documents, "_msgspec", None)
    return str(request.param)


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_same_data_as_json_loads(decoder: str, text: str) -> None:
    assert _same(json_loads(text), json.loads(text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"kind": "Pod",\n "metadata": {"name": "a"},\n}',
            "error: bad.json:3: invalid JSON: Expecting property name enclosed in double quotes; file skipped",
        ),
        ('{"kind": "Pod"} trailing', "error: bad.json:1: invalid JSON: Extra data; file skipped"),
        ("[" * 100_000, "error: bad.json: invalid JSON: nested too deeply; file skipped"),
    ],
    ids=["missing-name", "trailing-data", "deep"],
)
def test_invalid_json_is_worded_by_the_stdlib(decoder: str, text: str, message: str) -> None:
    assert problems_of(text, "bad.json") == ([message], 0)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "caf\xc3\xa9"}}]}',
        b'  \n[{"a": 1}]',
        b"\xef\xbb\xbf{}",  # a byte order mark: the text path strips it
        b'{"a": NaN}',
        b'{"a": "\xff"}',  # not UTF-8
        b"apiVersion: v1\nkind: List\nitems: []\n",  # YAML
        b"",
    ],
    ids=["list", "leading-space", "bom", "nan", "not-utf8", "yaml", "empty"],
)
def test_the_bytes_path_reads_what_the_text_path_reads_or_declines(decoder: str, raw: bytes) -> None:
    doc = documents.json_document(raw)
    if doc is None:
        return  # declined: the text path reads it (and reports any problem)
    assert decoder == "fast"
    problems = Problems()
    text = documents.read_text(raw, "x.json", problems, None)
    assert text is not None
    [expected] = documents.parse_documents(text, "x.json", problems, locate=False)
    assert _same(doc.data, expected.data) and (doc.line, doc.index, doc.locator) == (1, 0, None)
    assert not problems.items


def test_declined_bytes_are_the_ones_msgspec_cannot_read() -> None:
    pytest.importorskip("msgspec")
    assert documents.json_document(b"\xef\xbb\xbf{}") is None
    assert documents.json_document(b'{"a": NaN}') is None
    assert documents.json_document(b"[1]") is not None
