from __future__ import annotations

from typing import Any

import yaml

from assessor.render.options import RenderOptions


def render(doc: Any, options: RenderOptions) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
