"""Where the bundled rule data lives, in a source checkout and in an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def rules_dir() -> Path:
    checkout = Path(__file__).resolve().parent.parent / "rules"
    if checkout.is_dir():
        return checkout
    # Installed from a wheel: pyproject maps rules/ to assessor/_rules. `assessor` is a
    # regular package, so its files() is a real directory (not a namespace MultiplexedPath).
    return Path(str(resources.files("assessor") / "_rules"))
