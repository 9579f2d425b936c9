"""The one way documents become JSON text: compact, UTF-8 kept as is (stored and sent alike)."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
