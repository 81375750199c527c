"""Text for Markdown (pull-request comments, change reviews): input values render as text, never as markup.

HTML passes through Markdown renderers (`<script>`, `<img onerror=…>`), and `[x](url)`, `*`, `_`
or a backtick in an object name would turn into links, emphasis or code. Values from the input are
escaped for the place they go: a table cell or inline text.
"""

from __future__ import annotations

import re

from assessor.render.sanitize.xml import xml_text

_ACTIVE = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_CHARS = re.compile(r"[&<>]")
# C0/C1 controls, line separators and bidi overrides (text that reads differently than it is).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _base(text: str) -> str:
    text = _CONTROL.sub("", xml_text(text).replace("\r\n", "\n").replace("\r", "\n"))
    return _HTML_CHARS.sub(lambda m: _HTML[m.group()], text)


def md_text(text: str) -> str:
    """Inline text: HTML escaped, Markdown's active characters backslash-escaped, lines joined."""
    return _ACTIVE.sub(r"\\\1", _base(text)).replace("\n", " ")


def md_cell(text: str) -> str:
    """A table cell: like inline text, with line breaks kept as <br>."""
    return "<br>".join(_ACTIVE.sub(r"\\\1", line) for line in _base(text).split("\n"))
