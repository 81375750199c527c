"""Input problems: one line each, naming the file and line, never a traceback.

An *error* means part of the input could not be used (the scan is incomplete);
a *note* means something was deliberately skipped (a compose file, an unknown kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assessor.redact import redact_text

Level = Literal["error", "note"]


@dataclass(frozen=True, slots=True)
class Problem:
    level: Level
    where: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        # A parse error may quote the line it stopped at: a password in a script, say.
        object.__setattr__(self, "message", redact_text(self.message))

    def one_line(self) -> str:
        place = f"{self.where}:{self.line}" if self.line else self.where
        return f"{self.level}: {place}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "file": self.where, "line": self.line, "message": self.message}


@dataclass(slots=True)
class Problems:
    items: list[Problem] = field(default_factory=list)

    def error(self, where: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem("error", where, message, line))

    def note(self, where: str, message: str, line: int | None = None) -> None:
        self.items.append(Problem("note", where, message, line))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.items if p.level == "note"]
