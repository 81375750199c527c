from __future__ import annotations

import json
from typing import Any

from assessor.render.options import RenderOptions


def render(doc: Any, options: RenderOptions) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
