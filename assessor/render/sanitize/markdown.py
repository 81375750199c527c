"""Text for Markdown (pull-request comments, change reviews): input values render as text, never as markup.

HTML passes through Markdown renderers (`<script>`, `<img onerror=…>`), and `[x](url)`, `*`, `_`
or a backtick in an object name would turn into links, emphasis or code. Values from the input are
escaped for the place they go: a table cell, inline text, or inline code.
"""

from __future__ import annotations

import re

from assessor.render.sanitize.xml import xml_text

_ACTIVE = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_CHARS = re.compile(r"[&<>]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _base(text: str) -> str:
    text = _CONTROL.sub("", xml_text(text).replace("\r\n", "\n").replace("\r", "\n"))
    return _HTML_CHARS.sub(lambda m: _HTML[m.group()], text)


def md_text(text: str) -> str:
    """Inline text: HTML escaped, Markdown's active characters backslash-escaped, lines joined."""
    return _ACTIVE.sub(r"\\\1", _base(text)).replace("\n", " ")


def md_cell(text: str) -> str:
    """A table cell: like inline text, with line breaks kept as <br>."""
    return "<br>".join(_ACTIVE.sub(r"\\\1", line) for line in _base(text).split("\n"))


def md_code(text: str) -> str:
    """Inline code: a fence longer than any backtick run inside, so the value cannot close it early.

    Inside a code span nothing is markup, but a table still splits on `|`, so that is escaped.
    """
    body = _CONTROL.sub("", xml_text(text)).replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"
