"""Text for XML 1.0 (JUnit): characters XML 1.0 cannot hold are dropped, so the file stays well-formed.

ElementTree escapes `<`, `&` and quotes but writes control characters as they are, which no XML
parser accepts; a JUnit report that does not parse hides every result in CI.
"""

from __future__ import annotations

import re

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; the rest goes.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _ILLEGAL.sub("", text)
