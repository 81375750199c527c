"""The one redaction of credentials: by a value's name, and by a text's shape.

A leaf module (standard library only): the node collector ships it to nodes with its own source.

Applied where evidence, snippets, messages and URLs are created (the engine's findings, input
problems, the switch test's records and summary), never per renderer, so that no format can
print what another hides. Every pattern is linear: literal anchors, bounded repetitions and no
nested quantifiers, because a hostile ConfigMap is the input (docs/security.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "<redacted>"

# Names that say their value is a secret: variable names, YAML keys, flag names.
SECRET_WORDS = r"pass(?:word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|auth"
_SECRETISH = re.compile(rf"(?i){SECRET_WORDS}")
_STRONG = re.compile(r"(?i)pass(?:word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?")
_AUTH_KEYS = frozenset({"auth", "authorization", "http_auth", "basic_auth", "proxy-authorization"})

# A key whose name mentions a secret but whose value only points at one (a file, a Secret's name).
_REFERENCE_SUFFIX = re.compile(r"(?i)(?:name|ref|file|path|dir|id|stdin|env|length|policy|type|mode|url)$")
# Values that never carry a secret: booleans, empty, YAML block markers, references to a variable.
_HARMLESS = frozenset(
    {"true", "false", "yes", "no", "null", "~", "|", ">", "|-", ">-", "", "bearer", "basic", REDACTED.lower()}
)

# scheme://user:password@ — the scheme and user info are bounded so that no start position scans far.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}://[^\s/:@]{0,256}:)([^\s/@]{1,1024})@")

# --password X, --password=X, --token X, --client-secret X, … (not --password-stdin: no value).
_FLAG_NAMES = (
    r"--?(?:password|passwd|pass|token|client-secret|secret|api-key|apikey|access-token|auth-token"
    r"|bearer-token|secret-key|access-key|private-key|registry-password|kubelet-token|refresh-token)"
)
_BARE_FLAG = re.compile(rf"(?i){_FLAG_NAMES}")
_SECRET_FLAG = re.compile(
    rf"(?i)(?<![\w-])({_FLAG_NAMES}(?:=|[ \t]{{1,16}}))"
    r"(\"[^\"\n]{0,4096}\"|'[^'\n]{0,4096}'|[^\s\"']+)"
)
# `-p X` / `-p=X` is a password only after a login (docker login, helm registry login, …).
_LOGIN = re.compile(r"(?i)\blogin\b")
_SHORT_P = re.compile(r"(?<![\w-])(-p(?:=|[ \t]{1,16}))(\"[^\"\n]{0,4096}\"|'[^'\n]{0,4096}'|[^\s\"']+)")

# Authorization: Bearer X / Basic X, in headers, curl -H, wget --header.
_AUTH_SCHEME = re.compile(r"(?i)\b((?:bearer|basic)[ \t]{1,8})([A-Za-z0-9._~+/=-]{8,4096})")

# key: value, key=value, "key": "value" where the key names a secret (password:, FOO_TOKEN=, …).
_KEY_VALUE = re.compile(
    rf"(?i)(?<![\w.-])([\w.-]{{0,48}}(?:{SECRET_WORDS})[\w.-]{{0,48}})"
    r"([\"']?[ \t]{0,4}[:=][ \t]{0,4})"
    r"(\"[^\"\n]{0,4096}\"|'[^'\n]{0,4096}'|[^\s,;\"'{}\[\]]+)"
)

# curl -u user:password, --user user:password: the user is kept.
_USER_PASSWORD = re.compile(
    r"(?<![\w-])((?:-u|--user)(?:=|[ \t]{1,16})[^\s:\"']{1,256}:)(\"[^\"\n]{0,4096}\"|'[^'\n]{0,4096}'|[^\s\"']+)"
)

# AWS access key ids: AKIA/ASIA and 16 upper-case letters or digits.
_AWS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b")


def is_secret_name(name: str) -> bool:
    """Whether a variable, key or flag name says its value is a secret."""
    return bool(_SECRETISH.search(name))


def redact(name: str, value: str) -> str:
    """Never print a value whose name says it is a secret (its shape is checked where findings are made)."""
    return REDACTED if is_secret_name(name) else value


def _quoted(value: str) -> str:
    """The redaction marker in the quotes the value came in."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return f"{value[0]}{REDACTED}{value[0]}"
    return REDACTED


def _flag(m: re.Match[str]) -> str:
    return m.group(1) + _quoted(m.group(2))


def _key_value(m: re.Match[str]) -> str:
    key, sep, value = m.group(1), m.group(2), m.group(3)
    if _REFERENCE_SUFFIX.search(key) or value.strip("\"'").lower() in _HARMLESS or value.startswith("$"):
        return m.group(0)
    if not _STRONG.search(key) and key.lower() not in _AUTH_KEYS:
        return m.group(0)  # authentication:, oauth_enabled: … name no secret; auth: (Docker's config.json) does
    return key + sep + _quoted(value)


def _login_passwords(text: str) -> str:
    """`-p X` after `login` on the same line: docker login -u bot -p X registry."""
    if not _LOGIN.search(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        login = _LOGIN.search(line)
        if login is not None:
            head, tail = line[: login.end()], line[login.end() :]
            lines[i] = head + _SHORT_P.sub(_flag, tail)
    return "\n".join(lines)


def redact_text(text: str) -> str:
    """Text with every credential-shaped value replaced by <redacted>; the rest is kept as evidence."""
    if not text:
        return text
    text = _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)
    text = _SECRET_FLAG.sub(_flag, text)
    text = _login_passwords(text)
    text = _USER_PASSWORD.sub(_flag, text)
    text = _AUTH_SCHEME.sub(lambda m: m.group(1) + REDACTED, text)
    text = _KEY_VALUE.sub(_key_value, text)
    return _AWS_KEY_ID.sub(REDACTED, text)


def redact_argv(args: Iterable[str]) -> list[str]:
    """A command line as a list: a secret flag's value is the next element, or after its `=`."""
    out: list[str] = []
    hide_next = False
    login = False
    for arg in args:
        if hide_next:
            out.append(REDACTED)
            hide_next = False
            continue
        login = login or arg.lower() == "login"
        if _BARE_FLAG.fullmatch(arg) or (login and arg == "-p"):
            hide_next = True
            out.append(arg)
            continue
        out.append(redact_text(arg))
    return out
