"""Text for a terminal: no escape sequence, control character or bidi override gets through.

An object name holding `\\x1b]0;…` retitles the terminal, `\\x1b[2J` clears it, a carriage return
overwrites the line with something else, a bidi override reorders what the reader sees. Each such
character is shown escaped instead (`\\x1b`, `\\u202e`), so the evidence stays visible.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

from assessor.redact import redact_text
from assessor.render.sanitize import deep

# C0 except tab and newline, DEL, C1, line/paragraph separators, bidi marks, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    return _UNSAFE.sub(_escaped, text)


def terminal_doc(doc: Any) -> Any:
    """A result document with every string made safe for a terminal."""
    return deep(doc, terminal)


class SafeConsole(Console):
    """A rich Console whose print() sanitises every string it is given (stderr notes, problems, errors).

    Messages are redacted where they are made; an error text from a library (a URL in a connection
    error, say) is not, so stderr redacts once more before it escapes.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(terminal(redact_text(o)) if isinstance(o, str) else o for o in objects), **kwargs)
