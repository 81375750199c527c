"""The YAML loader used everywhere: libyaml's C parser when present, safe construction always."""

from __future__ import annotations

import yaml

Loader: type[yaml.SafeLoader]
try:
    Loader = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML built without libyaml
    Loader = yaml.SafeLoader
